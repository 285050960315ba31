// Package devalue reads and writes the devalue format of the npm package
// devalue (versions 5 and 6), byte for byte: the format Astro uses for the
// session records it stores.
//
// A devalue text is a JSON array of slots; the first slot is the root value
// and every other value is referred to by its slot index, so repeated
// references and cycles survive. Negative constants stand for values JSON
// cannot hold: -1 undefined, -2 a hole in an array, -3 NaN, -4 Infinity,
// -5 -Infinity, -6 negative zero. Tagged arrays hold the other types:
//
//	[["Map",1,2],"cart",{"data":3,"expires":-1},[4,5],"sku-1","sku-2"]
//
// # The value model
//
// [Parse] returns, and [Stringify] accepts, values of this model, which keeps
// everything JavaScript distinguishes:
//
//	nil                       null
//	Undefined{}               undefined
//	bool, string              boolean, string
//	float64                   number (NaN, ±Inf and -0 included)
//	BigInt                    BigInt (its decimal text; Stringify also takes *big.Int)
//	*Object                   plain object (NullProto: Object.create(null))
//	*Array                    array, with holes (Hole{}), possibly sparse
//	*Map, *Set                Map, Set
//	*Date                     Date (milliseconds; may be invalid)
//	*RegExp                   RegExp (source and flags)
//	*URL, *URLSearchParams    URL, URLSearchParams
//	*ArrayBuffer              ArrayBuffer
//	*TypedArray               Int8Array … BigUint64Array, Float16Array
//	*DataView                 DataView
//	*Boxed                    new Number(1), new String("s"), Object(1n), ...
//	*Temporal                 Temporal.Instant, Temporal.Duration, ... (as text)
//	*Custom                   a value written by a custom reducer
//
// Containers are pointers, so a value referenced twice is the same pointer
// after Parse, and Stringify writes a pointer reached twice once. Strings are
// UTF-8; an unpaired UTF-16 surrogate (possible in JavaScript strings) is
// kept in its WTF-8 form and written back as a \udxxx escape.
//
// For every text the npm package's stringify writes, Stringify(Parse(text))
// returns the same text: object key order, JavaScript number formatting,
// devalue's string escaping, de-duplication of equal primitives, slot order
// and the choice between the two array encodings all follow the npm package.
//
// Stringify also accepts plain Go values (structs, maps, slices, time.Time,
// *url.URL, ...; see [ValueOf]); [Marshal], [Unmarshal] and [Decode] convert
// between the format and typed Go values the way encoding/json does.
//
// # Untrusted input
//
// Parse never panics and its memory use is bounded by the size of its input:
// indices must point into the text, sparse arrays with huge lengths are kept
// sparse, self-referencing boxes and views not on an ArrayBuffer are rejected,
// "__proto__" keys are rejected as the npm package rejects them, and nesting
// is limited by Options.MaxDepth ([DefaultMaxDepth] by default). Decode's
// work is bounded by the size of its input: a value shared many times that
// would expand into far more Go values than the input holds gives an error
// matching [ErrType].
package devalue
