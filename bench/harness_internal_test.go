package bench

import (
	"net/http"
	"testing"
)

func TestCookieFrom(t *testing.T) {
	for _, c := range []struct {
		lines []string
		want  string
	}{
		{nil, ""},
		{[]string{"session=abc; Path=/; HttpOnly"}, "session=abc"},
		{[]string{"other=x; Path=/"}, ""},
		// gorilla's login: the deletion of the old cookie, then the new one.
		{[]string{"session=; Path=/; Max-Age=0", "session=new; Path=/; Max-Age=2592000"}, "session=new"},
		{[]string{"session=old; Path=/", "session=gone; Path=/; Max-Age=-1"}, "session=old"},
		{[]string{"session=tok; Path=/; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0"}, ""},
	} {
		h := http.Header{"Set-Cookie": c.lines}
		if got := cookieFrom(h, "session"); got != c.want {
			t.Errorf("cookieFrom(%q) = %q, want %q", c.lines, got, c.want)
		}
	}
}

// TestClientFollowsCookie checks that a client sends the cookie of the last
// response that set one, and keeps it otherwise.
func TestClientFollowsCookie(t *testing.T) {
	n := 0
	var seen []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Get("Cookie"))
		n++
		if n%2 == 1 {
			w.Header().Add("Set-Cookie", "s=v"+string(rune('0'+n))+"; Path=/")
		}
		w.Write(okBody)
	})
	c := newClient("GET", "/", "s", "s=start")
	for range 4 {
		c.do(h)
		c.check(t, "request")
	}
	want := []string{"s=start", "s=v1", "s=v1", "s=v3"}
	for i := range want {
		if seen[i] != want[i] {
			t.Fatalf("cookies sent = %q, want %q", seen, want)
		}
	}
}
