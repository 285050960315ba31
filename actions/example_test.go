package actions_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/goastro/session/actions"
)

type AddToCart struct {
	ProductID string `json:"productId" validate:"required"`
	Quantity  int    `json:"quantity" validate:"required,min=1,max=99"`
}

type CartSize struct {
	CartSize int `json:"cartSize"`
}

func ExampleDefine() {
	addToCart := actions.Define("addToCart", func(ctx context.Context, in AddToCart) (CartSize, error) {
		// A real action would read and update the session here:
		// s := session.From(ctx)
		return CartSize{CartSize: in.Quantity}, nil
	})

	mux := http.NewServeMux()
	mux.Handle("POST /_actions/", actions.NewHandler(addToCart))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, body := range []string{`{"productId":"tee","quantity":2}`, `{"productId":"tee","quantity":0}`} {
		res, err := http.Post(srv.URL+addToCart.Path(), "application/json", strings.NewReader(body))
		if err != nil {
			panic(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		fmt.Println(res.StatusCode, string(b))
	}
	// Output:
	// 200 {"cartSize":2}
	// 400 {"type":"AstroActionInputError","code":"BAD_REQUEST","status":400,"message":"Failed to validate: quantity: Must be at least 1","issues":[{"code":"too_small","path":["quantity"],"message":"Must be at least 1"}],"fields":{"quantity":["Must be at least 1"]}}
}

func ExampleAction_Handle() {
	addToCart := actions.Define("addToCart", func(ctx context.Context, in AddToCart) (CartSize, error) {
		return CartSize{CartSize: in.Quantity}, nil
	})
	// A page handler that receives the cart form and runs the action itself.
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out, err := addToCart.Handle(r)
		if err != nil {
			if e, ok := err.(*actions.Error); ok {
				fmt.Fprintln(w, "error on", e.Fields)
			}
			return
		}
		fmt.Fprintln(w, "cart size", out.CartSize)
	})
	r := httptest.NewRequest("POST", "/cart", strings.NewReader("productId=tee&quantity=3"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	page.ServeHTTP(w, r)
	fmt.Print(w.Body)
	// Output: cart size 3
}

func ExampleAction_Call() {
	addToCart := actions.Define("addToCart", func(ctx context.Context, in AddToCart) (CartSize, error) {
		return CartSize{CartSize: in.Quantity}, nil
	})
	_, err := addToCart.Call(context.Background(), AddToCart{ProductID: "tee", Quantity: 120})
	fmt.Println(err)
	// Output: actions: BAD_REQUEST: Failed to validate: quantity: Must be at most 99
}

func ExampleNewError() {
	deleteAccount := actions.Define("deleteAccount", func(ctx context.Context, in struct{}) (struct{}, error) {
		return struct{}{}, actions.NewError(actions.Unauthorized, "Log in first.")
	})
	r := httptest.NewRequest("POST", deleteAccount.Path(), nil)
	r.Header.Set("Origin", "http://example.com") // a browser on the same site
	w := httptest.NewRecorder()
	deleteAccount.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Body)
	// Output: 401 {"type":"AstroActionError","code":"UNAUTHORIZED","status":401,"message":"Log in first."}
}

func ExampleFieldError() {
	err := actions.FieldError("productId", "No such product")
	fmt.Println(err.Status(), err.Fields)
	// Output: 400 map[productId:[No such product]]
}

// A Handler refuses a form posted to an action from another site, as an Astro
// server with security.checkOrigin (its default) does.
func ExampleHandler_crossOrigin() {
	addToCart := actions.Define("addToCart", func(ctx context.Context, in AddToCart) (CartSize, error) {
		return CartSize{CartSize: in.Quantity}, nil
	})
	h := actions.NewHandler(addToCart)
	for _, origin := range []string{"https://evil.example", "https://shop.example"} {
		r := httptest.NewRequest("POST", "https://shop.example/_actions/addToCart", strings.NewReader("productId=tee&quantity=3"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Origin", origin)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(origin, w.Code)
	}
	// Output:
	// https://evil.example 403
	// https://shop.example 200
}

func ExampleUnmarshalJSON() {
	var in struct {
		Quantity int `json:"quantity"`
	}
	err := actions.UnmarshalJSON([]byte(`{"quantity":1,"QUANTITY":7}`), &in)
	fmt.Println(in.Quantity, err)
	// Output: 1 <nil>
}
