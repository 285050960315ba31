package devalue

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

type sku string

type scalarLine struct {
	ProductID string `json:"productId"`
	Quantity  int    `json:"quantity"`
	Note      sku    `devalue:"note"`
	Small     int32
	Big       int64 `json:"big"`
}

// TestScalarStructSlices checks slices of structs of strings and ints, which
// Stringify writes field by field, against the same values written through
// the value model.
func TestScalarStructSlices(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	words := []string{"", "sku-1", "sku-2", "a\"b", "<x>", "é", "\u2028", "\xed\xa0\x80", "\xff", "quantity", "1"}
	for iter := 0; iter < 2000; iter++ {
		lines := make([]scalarLine, rng.IntN(40))
		for i := range lines {
			lines[i] = scalarLine{
				ProductID: words[rng.IntN(len(words))],
				Quantity:  rng.IntN(7) - 3,
				Note:      sku(words[rng.IntN(len(words))]),
				Small:     int32(rng.IntN(3)),
				Big:       int64(rng.IntN(5)) << (rng.IntN(4) * 16),
			}
		}
		var v any = lines
		if iter%3 == 1 { // the slice inside a map and next to other strings
			v = map[string]any{"cart": lines, "user": words[rng.IntN(len(words))]}
		}
		checkWrittenAsModel(t, v)
	}
}

// checkWrittenAsModel checks that Stringify writes Go value v as it writes
// the same value converted to the value model.
func checkWrittenAsModel(t *testing.T, v any) {
	t.Helper()
	got, err := Stringify(v)
	if err != nil {
		t.Fatal(err)
	}
	m, err := ValueOf(v)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Stringify(m)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("Stringify(%+v)\n got %s\nwant %s", v, got, want)
	}
}

func TestScalarStructUnsafeInt(t *testing.T) {
	_, err := Stringify([]scalarLine{{}, {Big: 1 << 60}})
	if !errors.Is(err, ErrNotSerializable) || !strings.Contains(err.Error(), "[1].big") {
		t.Errorf("err = %v, want not serializable at [1].big", err)
	}
	_, err = Stringify([]scalarLine{{Big: -(1 << 53)}})
	if !errors.Is(err, ErrNotSerializable) {
		t.Errorf("-2^53: err = %v, want not serializable", err)
	}
	if _, err := Stringify([]scalarLine{{Big: 1<<53 - 1}}); err != nil {
		t.Errorf("2^53-1: %v", err)
	}
}

// TestScalarStructReducer checks that a reducer declaring a string type still
// sees every field of that type inside structs.
func TestScalarStructReducer(t *testing.T) {
	opts := Options{Reducers: []Reducer{{
		Tag:   "Sku",
		Types: []reflect.Type{reflect.TypeFor[sku]()},
		Reduce: func(v any) (any, bool) {
			s, ok := v.(sku)
			return strings.ToUpper(string(s)), ok
		},
	}}}
	got, err := opts.Stringify([]scalarLine{{ProductID: "a", Note: "x"}, {ProductID: "b", Note: "y"}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(got, `"Sku"`) != 2 || !strings.Contains(got, `"X"`) || !strings.Contains(got, `"Y"`) {
		t.Errorf("the reducer did not see the fields: %s", got)
	}
}
