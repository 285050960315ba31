package devalue

// ValueOf converts v into a deep copy in the value model: the result holds
// only nil, Undefined, bool, string, float64, *big.Int and the model's
// pointer types. Repeated references (pointers, maps, model pointers) stay
// shared and cycles are kept.
//
// Go values map to JavaScript as follows: bool, string and every integer and
// float kind to boolean, string and number (integers beyond ±(2^53-1) are
// an error, use *big.Int for a BigInt); *big.Int and big.Int to BigInt;
// time.Time to Date; url.URL and *url.URL to URL; []byte and [N]byte to
// Uint8Array; other slices and arrays to arrays (nil slices to empty
// arrays); maps with string keys to objects (keys sorted) and other maps to
// Maps; structs to objects (fields named by `devalue` or `json` tags, with
// "-", omitempty and omitzero); pointers to what they point to (nil to null),
// pointers to structs and arrays and maps keep their identity. Functions,
// channels, complex numbers and unsafe pointers give an *Error matching
// ErrNotSerializable that names the path.
//
// ValueOf gives what reading the text Stringify writes for v gives (with
// Options.KeepUnknownTags): the conversion has one definition, the encoder's.
func ValueOf(v any) (any, error) { return Options{}.ValueOf(v) }

// ValueOf is [ValueOf] with the depth limit of o.
func (o Options) ValueOf(v any) (any, error) {
	e := encoderPool.Get().(*encoder)
	defer e.release()
	if err := e.run(Options{MaxDepth: o.MaxDepth}, v); err != nil {
		return nil, err
	}
	// Parse keeps substrings of its text: the text must be a string of its own
	e.out = e.join(e.out[:0])
	return Options{MaxDepth: o.MaxDepth, KeepUnknownTags: true}.Parse(string(e.out))
}
