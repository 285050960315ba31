package devalue

import "testing"

// TestWriterMatchesStringify writes a Map of {data, expires} entries slot by
// slot, with values given as Nodes, model values and Go values, and compares
// it with Stringify of the same structure built in the model.
func TestWriterMatchesStringify(t *testing.T) {
	doc, err := ParseDoc(`[["Map",1,2],"cart",{"data":3,"expires":-1},[4,5],{"id":6,"n":7},{"id":8,"n":7},"cart",1,"x"]`)
	if err != nil {
		t.Fatal(err)
	}
	var stored Node
	doc.Root().MapEntries(func(_, v Node) bool { stored = v; return true })
	type item struct {
		ID string `json:"id"`
		N  int    `json:"n"`
	}
	entries := []struct {
		key     string
		data    any
		expires float64
	}{
		{"cart", stored, -1}, // the whole stored entry
		{"user", []item{{"x", 1}, {"cart", 2}}, 1767225600000},
		{"n", 1.0, -1},
		{"name", "x", 1767225600000},
	}
	model := NewMap()
	for _, en := range entries {
		if en.key == "cart" {
			model.Set(en.key, en.data)
			continue
		}
		o := NewObject()
		o.Set("data", en.data)
		if en.expires > 0 {
			o.Set("expires", en.expires)
		} else {
			o.Set("expires", Undefined{})
		}
		model.Set(en.key, o)
	}
	want, err := Stringify(model)
	if err != nil {
		t.Fatal(err)
	}

	w := Options{}.NewWriter()
	root := w.Reserve()
	var vals []int
	for _, en := range entries {
		k := w.String(en.key)
		if en.key == "cart" {
			i, err := w.Node(stored)
			if err != nil {
				t.Fatal(err)
			}
			vals = append(vals, k, i)
			continue
		}
		obj := w.Reserve()
		d, err := w.Value(en.data)
		if err != nil {
			t.Fatal(err)
		}
		x := -1
		if en.expires > 0 {
			x = w.Number(en.expires)
		}
		w.Object(obj, []string{"data", "expires"}, []int{d, x})
		vals = append(vals, k, obj)
	}
	w.Tagged(root, "Map", vals)
	got, err := w.Text()
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	w.Release() // after Text: nothing, and nothing taken from another Writer
	w2 := Options{}.NewWriter()
	w2.String("y")
	if text, err := w2.Text(); err != nil || text != `["y"]` {
		t.Fatalf("a Writer after Release of a finished one wrote %s (%v)", text, err)
	}

	w = Options{}.NewWriter()
	w.Reserve()
	if _, err := w.Text(); err == nil {
		t.Fatal("a reserved slot never set was not reported")
	}
	w = Options{}.NewWriter()
	w.String("x")
	w.Release()
}
