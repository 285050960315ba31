package devalue_test

import (
	"fmt"
	"net/url"
	"time"

	"github.com/goastro/session/devalue"
)

func ExampleParse() {
	v, err := devalue.Parse(`[["Map",1,2],"cart",{"data":3,"expires":-1},[4,5],"sku-1","sku-2"]`)
	if err != nil {
		panic(err)
	}
	record := v.(*devalue.Map)
	entry, _ := record.Get("cart")
	data, _ := entry.(*devalue.Object).Get("data")
	expires, _ := entry.(*devalue.Object).Get("expires")
	cart := data.(*devalue.Array)
	fmt.Println(cart.At(0), cart.At(1))
	fmt.Printf("%#v\n", expires)
	// Output:
	// sku-1 sku-2
	// devalue.Undefined{}
}

func ExampleStringify() {
	type item struct {
		SKU      string `json:"sku"`
		Quantity int    `json:"quantity"`
	}
	user := map[string]any{
		"name":  "Houston",
		"since": time.Date(2025, 1, 2, 3, 4, 5, 6e6, time.UTC),
		"cart":  []item{{"sku-1", 2}, {"sku-2", 1}},
	}
	s, err := devalue.Stringify(user)
	if err != nil {
		panic(err)
	}
	fmt.Println(s)
	// Output:
	// [{"cart":1,"name":8,"since":9},[2,5],{"sku":3,"quantity":4},"sku-1",2,{"sku":6,"quantity":7},"sku-2",1,"Houston",["Date","2025-01-02T03:04:05.006Z"]]
}

func ExampleUnmarshal() {
	type item struct {
		SKU      string `json:"sku"`
		Quantity int    `json:"quantity"`
	}
	var cart []item
	err := devalue.Unmarshal([]byte(`[[1,4],{"sku":2,"quantity":3},"sku-1",2,{"sku":5,"quantity":6},"sku-2",1.5]`), &cart)
	fmt.Println(err)
	// Output:
	// devalue: cannot decode number 1.5 into Go value of type int (at [1].quantity)
}

// Astro writes session records with a custom reducer for URL; the same
// Options give the same text.
func ExampleOptions() {
	astro := devalue.Options{Reducers: []devalue.Reducer{{
		Tag: "URL",
		Reduce: func(v any) (any, bool) {
			if u, ok := v.(*url.URL); ok {
				return u.String(), true
			}
			return nil, false
		},
	}}}
	u, _ := url.Parse("https://example.com/a%20b")
	entry := devalue.NewObject()
	entry.Set("data", u)
	entry.Set("expires", devalue.Undefined{})
	record := devalue.NewMap()
	record.Set("home", entry)
	s, err := astro.Stringify(record)
	if err != nil {
		panic(err)
	}
	fmt.Println(s)
	// Output:
	// [["Map",1,2],"home",{"data":3,"expires":-1},["URL",4],"https://example.com/a%20b"]
}

func ExampleNewMap() {
	entry := devalue.NewObject()
	entry.Set("data", "u-123")
	entry.Set("expires", devalue.Undefined{})
	record := devalue.NewMap()
	record.Set("userId", entry)
	s, err := devalue.Stringify(record)
	if err != nil {
		panic(err)
	}
	fmt.Println(s)
	// Output:
	// [["Map",1,2],"userId",{"data":3,"expires":-1},"u-123"]
}

func ExampleDecode() {
	v, err := devalue.Parse(`[["Map",1,2],"cart",{"data":3,"expires":-1},[4],{"sku":5,"quantity":6},"sku-1",2]`)
	if err != nil {
		panic(err)
	}
	entry, _ := v.(*devalue.Map).Get("cart")
	data, _ := entry.(*devalue.Object).Get("data")
	var cart []struct {
		SKU      string `json:"sku"`
		Quantity int    `json:"quantity"`
	}
	if err := devalue.Decode(data, &cart); err != nil {
		panic(err)
	}
	fmt.Printf("%+v\n", cart)
	// Output:
	// [{SKU:sku-1 Quantity:2}]
}

func ExampleValueOf() {
	type item struct {
		SKU string `json:"sku"`
	}
	v, err := devalue.ValueOf(map[string]any{"cart": []item{{"sku-1"}}, "visits": 3})
	if err != nil {
		panic(err)
	}
	o := v.(*devalue.Object)
	cart, _ := o.Get("cart")
	first := cart.(*devalue.Array).At(0).(*devalue.Object)
	sku, _ := first.Get("sku")
	visits, _ := o.Get("visits")
	fmt.Println(o.Keys(), sku, visits)
	// Output:
	// [cart visits] sku-1 3
}
