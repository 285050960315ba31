package main

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/goastro/session/devalue"
)

var timeNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// TestJSONView shows each devalue type faithfully.
func TestJSONView(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{`[{"a":1,"b":2},1,[3,4],2,3]`, `{"a":1,"b":[2,3]}`},
		{`-1`, `{"$type":"undefined"}`},
		{`-3`, `{"$type":"number","value":"NaN"}`},
		{`-4`, `{"$type":"number","value":"Infinity"}`},
		{`-6`, `{"$type":"number","value":"-0"}`},
		{`[1e21]`, `1e+21`},
		{`[["BigInt","123456789012345678901234567890"]]`, `{"$type":"BigInt","value":"123456789012345678901234567890"}`},
		{`[["Date","2025-01-02T03:04:05.006Z"]]`, `{"$type":"Date","value":"2025-01-02T03:04:05.006Z"}`},
		{`[["Date",""]]`, `{"$type":"Date","value":null}`},
		{`[["Map",1,2],"k",3,4]`, `{"$type":"Map","entries":[["k",3]]}`},
		{`[["Set",1,2],"a",{"b":3},true]`, `{"$type":"Set","values":["a",{"b":true}]}`},
		{`[["URL",1],"https://example.com/a?b"]`, `{"$type":"URL","href":"https://example.com/a?b"}`},
		{`[["RegExp","a+","gi"]]`, `{"$type":"RegExp","source":"a+","flags":"gi"}`},
		{`[[1,-2,2],"x",null]`, `["x",{"$type":"hole"},null]`},
		{`[["null","a",1],2]`, `{"$type":"Object","nullPrototype":true,"members":{"a":2}}`},
		{`[{"$type":1},"Date"]`, `{"$type":"Object","nullPrototype":false,"members":{"$type":"Date"}}`},
		{`[{"self":0}]`, `{"self":{"$type":"circular"}}`},
		{`[["Object",1],"s"]`, `{"$type":"Boxed","value":"s"}`},
		{`[["Uint8Array",1],["ArrayBuffer","AQID"]]`, `{"$type":"Uint8Array","length":3,"base64":"AQID"}`},
	} {
		v, err := devalue.Parse(tc.text)
		if err != nil {
			t.Errorf("Parse(%s): %v", tc.text, err)
			continue
		}
		got := toJSON(v)
		if string(got) != tc.want || !json.Valid(got) {
			t.Errorf("view of %s = %s, want %s", tc.text, got, tc.want)
		}
	}
}

// TestJSONViewSparse shows a huge sparse array by its indices.
func TestJSONViewSparse(t *testing.T) {
	a := devalue.NewArray()
	a.Set(1_000_000, "x")
	if got, want := string(toJSON(a)), `{"$type":"Array","length":1000001,"elements":{"1000000":"x"}}`; got != want {
		t.Fatalf("view = %s, want %s", got, want)
	}
}

// TestRecordExpiry follows the session package: a record expires with its last
// entry when every entry has an expiry.
func TestRecordExpiry(t *testing.T) {
	now := timeNow.UnixMilli()
	for _, tc := range []struct {
		text    string
		expires int64 // 0: none
	}{
		{recordText(t, "a", "x", now+1000, "b", "y", now+5000), now + 5000},
		{recordText(t, "a", "x", now+1000, "b", "y", int64(0)), 0},
		{recordText(t), 0},
	} {
		rec, err := decodeRecord(tc.text)
		if err != nil {
			t.Fatal(err)
		}
		exp, ok := rec.expiry()
		if ok != (tc.expires != 0) || (ok && exp.UnixMilli() != tc.expires) {
			t.Errorf("expiry of %s = %v %v, want %d", tc.text, exp, ok, tc.expires)
		}
	}
}

// TestLifetime: with -idle, a session with the bookkeeping key ends as the
// Manager ends it, and its TTL is bounded by the time it has left.
func TestLifetime(t *testing.T) {
	seen := float64(timeNow.Add(-20 * time.Minute).UnixMilli())
	text := `[["Map",1,2],"$session",{"data":3,"expires":-1},{"created":4,"seen":4},` + strconv.FormatFloat(seen, 'f', -1, 64) + `]`
	rec, err := decodeRecord(text)
	if err != nil {
		t.Fatal(err)
	}
	if !rec.live(timeNow, lifetime{}) {
		t.Fatal("without timeouts the session lives")
	}
	if rec.live(timeNow, lifetime{idle: 10 * time.Minute}) {
		t.Fatal("idle 10 minutes: the session seen 20 minutes ago is over")
	}
	ttl, ok := rec.ttl(timeNow, lifetime{idle: 30 * time.Minute})
	if !ok || ttl != 10*time.Minute {
		t.Fatalf("ttl = %v %v, want 10m", ttl, ok)
	}
}
