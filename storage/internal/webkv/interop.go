package webkv

// Op is one operation of unstorage-client.mjs, the Node.js script of the
// interop tests that runs unstorage's own client drivers (Astro's session
// drivers) on the storage layer Astro uses: "get" (the stored text, nil when
// missing), "set", "has", "remove" or "keys" (of the base in Key).
type Op struct {
	Op    string `json:"op"`
	Key   string `json:"key,omitempty"`
	Value string `json:"value,omitempty"`
}

// Record is a session record as Astro writes it (devalue text of a Map of
// {data, expires}), with characters that an encoding slip would change:
// non-ASCII text, an escaped '<', U+2028, a quote and a backslash.
const Record = `[["Map",1,2,3,4],"user",{"data":5},"cart",{"data":8,"expires":1893456000000},{"id":6,"name":7},42,"Zoë \u003C Ω \u2028 \"q\" \\",["Set",9],"sku-1"]`
