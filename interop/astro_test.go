package interop

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// TestAstroRecordFormat pins what the real Astro apps send and store, byte for
// byte: the facts the Go side must reproduce. If an Astro release changes any of
// them, this test says which.
func TestAstroRecordFormat(t *testing.T) {
	for _, app := range astroApps {
		for _, kind := range storeKinds {
			t.Run(app.name+"/"+kind.name, func(t *testing.T) {
				st := kind.make(t)
				astro := server{name: app.name, url: startAstro(t, app, st)}
				b := newBrowser(t)

				// A first write creates the session: cookie, ID, record.
				astro.set(b, entryIn{Key: "cart", Value: `[[1,2],"sku-1","sku-2"]`})
				id := b.session()
				if !uuidV4.MatchString(id) {
					t.Fatalf("session ID %q is not a lowercase v4 UUID", id)
				}
				if got, want := b.sessionCookie(), cookieName+"="+id+"; Path=/; HttpOnly; Secure; SameSite=Lax"; got != want {
					t.Errorf("Set-Cookie\n got %s\nwant %s", got, want)
				}
				rec, ok := st.raw(t, id)
				if !ok {
					t.Fatalf("no record under %s", id)
				}
				if want := `[["Map",1,2],"cart",{"data":3,"expires":-1},[4,5],"sku-1","sku-2"]`; rec != want {
					t.Errorf("record\n got %s\nwant %s", rec, want)
				}
				if st.driver == "redis" {
					if d := st.redisTTL(t, id); d != -1 {
						t.Errorf("Redis TTL of the record = %v, want none (-1)", d)
					}
				}

				// A read-only request sends no cookie and writes nothing.
				if v := astro.view(b); str(v.ID) != id || len(v.Keys) != 1 {
					t.Errorf("view = %+v", v)
				}
				if c := b.sessionCookie(); c != "" {
					t.Errorf("a read sent Set-Cookie %s", c)
				}

				// A per-key TTL is an absolute expiry in epoch milliseconds inside the
				// entry. A write that did not read first merges the stored entries after
				// the new one, so "flash" comes before "cart".
				before := time.Now().UnixMilli()
				ttl := 60.0
				astro.set(b, entryIn{Key: "flash", Value: `["hi"]`, TTL: &ttl})
				after := time.Now().UnixMilli()
				rec, _ = st.raw(t, id)
				m := regexp.MustCompile(`^\[\["Map",1,2,5,6\],"flash",\{"data":3,"expires":4\},"hi",([0-9]+),"cart",\{"data":7,"expires":-1\},\[8,9\],"sku-1","sku-2"\]$`).FindStringSubmatch(rec)
				if m == nil {
					t.Fatalf("record with a TTL: %s", rec)
				}
				exp, _ := strconv.ParseInt(m[1], 10, 64)
				if exp < before+60000 || exp > after+60000 {
					t.Errorf("expires = %d, want within [%d, %d]", exp, before+60000, after+60000)
				}

				// destroy: deletion cookie, record removed.
				astro.destroy(b)
				if got, want := b.sessionCookie(), cookieName+"=deleted; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax"; got != want {
					t.Errorf("Set-Cookie on destroy\n got %s\nwant %s", got, want)
				}
				if rec, ok := st.raw(t, id); ok {
					t.Errorf("record still stored after destroy: %s", rec)
				}
			})
		}
	}
}

// TestAstroTypes checks that each Astro app stores and revives every value of the
// type set on its own, so that a failure in the cross-server tests is ours.
func TestAstroTypes(t *testing.T) {
	for _, app := range astroApps {
		t.Run(app.name, func(t *testing.T) {
			st := newFSStore(t)
			astro := server{name: app.name, url: startAstro(t, app, st)}
			b := newBrowser(t)
			astro.types(b)
			c := astro.check(b, "types")
			if !c.OK {
				for k, r := range c.Results {
					if !r.OK {
						t.Errorf("%s: got %s, want %s", k, str(r.Got), r.Want)
					}
				}
			}
			rec, _ := st.raw(t, b.session())
			var flat []json.RawMessage
			if err := json.Unmarshal([]byte(rec), &flat); err != nil {
				t.Fatalf("record is not a JSON array: %v", err)
			}
			t.Log(fmt.Sprintf("record of %d types: %d bytes, %d slots", len(c.Results), len(rec), len(flat)))
		})
	}
}
