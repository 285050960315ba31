package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/goastro/session/devalue"
)

// FuzzArguments feeds arbitrary command lines and option texts to the parsers:
// they never panic, and options they accept are a JSON object.
func FuzzArguments(f *testing.F) {
	for _, s := range []string{
		"-driver\x00fs-lite\x00list\x00-user\x00alice\x00-limit\x0010\x00-json",
		"-driver\x00redis\x00-timeout\x001s\x00migrate\x00-to-driver\x00postgres\x00-to-options\x00{}",
		"show\x000b5e7c1e-3f6a-4c2e-9d7b-1a2b3c4d5e6f",
		"rm\x00a\x00b", "purge\x00-idle\x00-1h", "import\x00-overwrite", "-h", "list\x00-limit\x00x",
	} {
		f.Add(s, `{"base":".sessions"}`, "memory")
	}
	f.Add("list", `{"a":[1,{"b":null}]} `, "")
	f.Add("list", `[`, "redis")
	f.Fuzz(func(t *testing.T, argv, options, driver string) {
		env := func(k string) string {
			if k == "SESSION_OPTIONS" {
				return options
			}
			return driver
		}
		g, err := parseGlobal(strings.Split(argv, "\x00"), env)
		if err == nil {
			if g.driver == "" || g.command == "" {
				t.Fatalf("accepted %q without a driver or command: %+v", argv, g)
			}
			parseCommand(g.command, g.args)
		}
		m, err := parseOptions(options, "-options")
		if err == nil && m != nil {
			if _, err := json.Marshal(m); err != nil {
				t.Fatalf("accepted options %q that are not JSON: %v", options, err)
			}
		}
		if err == nil && m == nil && strings.TrimSpace(options) != "" {
			t.Fatalf("options %q read as none", options)
		}
	})
}

// FuzzRecord feeds arbitrary stored texts to what reads records: decoding,
// expiry, the JSON view of show and the rewrite of purge never panic, and the
// view is valid JSON.
func FuzzRecord(f *testing.F) {
	for _, s := range []string{
		`[["Map",1,2],"cart",{"data":3,"expires":-1},[4,5],"sku-1","sku-2"]`,
		`[["Map",1,2,3,4],"a",{"data":5,"expires":6},"b",{"data":7,"expires":8},["Date","2025-01-02T03:04:05.006Z"],1e12,["BigInt","12"],9e15]`,
		`[["Map",1,2],"x",{"data":3},[-2,-3,-4,-5,-6,-1]]`,
		`[["Map",1,2],"$session",{"data":3,"expires":-1},{"created":4,"seen":4,"user":5},1700000000000,"alice"]`,
		`[["Map",1,2],"c",{"data":0}]`, `[1]`, `["x"]`, `not json`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		rec, err := decodeRecord(text)
		if err != nil {
			return
		}
		view := rec.view("id", timeNow)
		if !json.Valid(view) {
			t.Fatalf("show's view of %q is not JSON: %s", text, view)
		}
		rec.expiry()
		rec.ttl(timeNow, lifetime{idle: 1, absolute: 1})
		if next, removed, err := rec.without(timeNow); err == nil && removed {
			if _, err := devalue.Parse(next); err != nil {
				t.Fatalf("purge rewrote %q as %q, which does not parse: %v", text, next, err)
			}
		}
	})
}
