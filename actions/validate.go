package actions

import (
	"fmt"
	"net/mail"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// The validation vocabulary, set on struct fields with the "validate" tag as a
// comma-separated list:
//
//	required   the field must be present in the input; strings, slices and maps must also be non-empty
//	min=N      numbers: value >= N; strings: at least N characters; slices, maps: at least N elements
//	max=N      numbers: value <= N; strings: at most N characters; slices, maps: at most N elements
//	oneof=a b  the value (string or number) must be one of the space-separated words
//	email      a string holding one e-mail address (name@domain)
//
// A field without "required" is optional: when it is absent from the input, its
// other rules are not checked. Rules apply to the value a pointer points at.
// Nested structs and slices of structs are validated field by field too. There
// presence is not tracked: a zero string, slice, map or pointer counts as
// missing, while numbers and booleans are always checked.
type rule struct {
	name string
	num  float64
	set  []string
}

type fieldPlan struct {
	index    []int
	name     string // wire name
	typ      reflect.Type
	rules    []rule
	required bool
	// stringOpt is set when the json tag has the ",string" option.
	stringOpt bool
}

type structPlan struct {
	fields []fieldPlan
	byName map[string]int
}

var plans sync.Map // reflect.Type -> *structPlan

// planFor returns the field plan of a struct type, checking its validation tags.
func planFor(t reflect.Type) (*structPlan, error) {
	if p, ok := plans.Load(t); ok {
		return p.(*structPlan), nil
	}
	p := &structPlan{byName: map[string]int{}}
	if err := collectFields(t, nil, p, map[reflect.Type]bool{}); err != nil {
		return nil, err
	}
	plans.Store(t, p)
	return p, nil
}

func collectFields(t reflect.Type, prefix []int, p *structPlan, seen map[reflect.Type]bool) error {
	if seen[t] {
		return nil
	}
	seen[t] = true
	defer delete(seen, t)
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		index := append(append([]int(nil), prefix...), i)
		name, skip := wireName(f)
		if skip {
			continue
		}
		if f.Anonymous && f.Type.Kind() == reflect.Struct && f.Tag.Get("json") == "" && f.Tag.Get("form") == "" {
			if err := collectFields(f.Type, index, p, seen); err != nil {
				return err
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		rules, err := parseRules(f.Tag.Get("validate"), f.Type)
		if err != nil {
			return fmt.Errorf("field %s: %w", f.Name, err)
		}
		fp := fieldPlan{index: index, name: name, typ: f.Type, rules: rules}
		if tag, ok := f.Tag.Lookup("json"); ok {
			_, opts, _ := strings.Cut(tag, ",")
			for _, o := range strings.Split(opts, ",") {
				fp.stringOpt = fp.stringOpt || o == "string"
			}
		}
		for _, r := range rules {
			if r.name == "required" {
				fp.required = true
			}
		}
		if err := checkNested(f.Type, seen); err != nil {
			return fmt.Errorf("field %s: %w", f.Name, err)
		}
		if _, dup := p.byName[name]; dup {
			return fmt.Errorf("two fields are named %q", name)
		}
		p.byName[name] = len(p.fields)
		p.fields = append(p.fields, fp)
	}
	return nil
}

// checkNested parses the tags of nested struct types so that a bad tag anywhere
// is reported when the action is defined.
func checkNested(t reflect.Type, seen map[reflect.Type]bool) error {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] || t.PkgPath() == "time" {
		return nil
	}
	_, err := planFor(t)
	return err
}

// wireName returns the name of a field in the input: the form tag, else the json
// tag, else the Go field name. skip reports a field tagged "-".
func wireName(f reflect.StructField) (name string, skip bool) {
	for _, key := range []string{"form", "json"} {
		tag, ok := f.Tag.Lookup(key)
		if !ok {
			continue
		}
		n, _, _ := strings.Cut(tag, ",")
		if n == "-" && !strings.HasPrefix(tag, "-,") {
			return "", true
		}
		if n != "" {
			return n, false
		}
	}
	return f.Name, false
}

func parseRules(tag string, t reflect.Type) ([]rule, error) {
	if tag == "" {
		return nil, nil
	}
	base := t
	for base.Kind() == reflect.Pointer {
		base = base.Elem()
	}
	var rules []rule
	for _, part := range strings.Split(tag, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, arg, hasArg := strings.Cut(part, "=")
		r := rule{name: name}
		switch name {
		case "required", "email":
			if hasArg {
				return nil, fmt.Errorf("validation rule %q takes no argument", name)
			}
			if name == "email" && base.Kind() != reflect.String {
				return nil, fmt.Errorf("validation rule email needs a string field, not %s", t)
			}
		case "min", "max":
			n, err := strconv.ParseFloat(arg, 64)
			if !hasArg || err != nil {
				return nil, fmt.Errorf("validation rule %q needs a number argument, got %q", name, arg)
			}
			switch base.Kind() {
			case reflect.String, reflect.Slice, reflect.Array, reflect.Map,
				reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
				reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
				reflect.Float32, reflect.Float64:
			default:
				return nil, fmt.Errorf("validation rule %q does not apply to %s", name, t)
			}
			r.num = n
		case "oneof":
			r.set = strings.Fields(arg)
			if len(r.set) == 0 {
				return nil, fmt.Errorf("validation rule oneof needs at least one value")
			}
			switch {
			case base.Kind() == reflect.String:
			case isNumberKind(base.Kind()):
				for _, v := range r.set {
					if _, err := strconv.ParseFloat(v, 64); err != nil {
						return nil, fmt.Errorf("validation rule oneof on %s: %q is not a number", t, v)
					}
				}
			default:
				return nil, fmt.Errorf("validation rule oneof does not apply to %s", t)
			}
		default:
			return nil, fmt.Errorf("unknown validation rule %q", name)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func isNumberKind(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

func numberOf(v reflect.Value) float64 {
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return float64(v.Uint())
	default:
		return v.Float()
	}
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// validateStruct checks the rules of every field of v (a struct). present says
// which top-level fields were in the input; nil means "non-zero".
func validateStruct(v reflect.Value, plan *structPlan, present []bool, path []any, issues []Issue) []Issue {
	for i, f := range plan.fields {
		fv := v.FieldByIndex(f.index)
		var isPresent bool
		if present != nil {
			isPresent = present[i]
		} else {
			// Without presence information a zero string, slice, map or pointer
			// counts as missing; numbers and booleans are always checked, so that
			// min=1 rejects a zero quantity in a nested item.
			isPresent = !fv.IsZero() || isNumberKind(fv.Kind()) || fv.Kind() == reflect.Bool
		}
		p := append(append([]any(nil), path...), f.name)
		if !isPresent {
			if f.required {
				issues = append(issues, Issue{Code: "invalid_type", Path: p, Message: "Required"})
			}
			continue
		}
		issues = validateValue(fv, f.rules, p, issues)
	}
	return issues
}

// validateValue checks one present value against its rules, then descends into
// nested structs and slices of structs.
func validateValue(v reflect.Value, rules []rule, path []any, issues []Issue) []Issue {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			for _, r := range rules {
				if r.name == "required" {
					return append(issues, Issue{Code: "invalid_type", Path: path, Message: "Required"})
				}
			}
			return issues
		}
		v = v.Elem()
	}
	for _, r := range rules {
		if is, bad := checkRule(v, r, path); bad {
			issues = append(issues, is)
			break // one message per field is enough, like the first failing check
		}
	}
	switch v.Kind() {
	case reflect.Struct:
		if v.Type().PkgPath() == "time" {
			return issues
		}
		if plan, err := planFor(v.Type()); err == nil {
			issues = validateStruct(v, plan, nil, path, issues)
		}
	case reflect.Slice, reflect.Array:
		et := v.Type().Elem()
		for et.Kind() == reflect.Pointer {
			et = et.Elem()
		}
		if et.Kind() == reflect.Struct && et.PkgPath() != "time" {
			for i := 0; i < v.Len(); i++ {
				p := append(append([]any(nil), path...), i)
				issues = validateValue(v.Index(i), nil, p, issues)
			}
		}
	}
	return issues
}

func checkRule(v reflect.Value, r rule, path []any) (Issue, bool) {
	fail := func(code, format string, args ...any) (Issue, bool) {
		return Issue{Code: code, Path: path, Message: fmt.Sprintf(format, args...)}, true
	}
	kind := v.Kind()
	switch r.name {
	case "required":
		switch kind {
		case reflect.String, reflect.Slice, reflect.Map:
			if v.Len() == 0 {
				return fail("invalid_type", "Required")
			}
		}
	case "min", "max":
		var n float64
		var what string
		switch {
		case kind == reflect.String:
			n, what = float64(utf8.RuneCountInString(v.String())), "characters"
		case kind == reflect.Slice || kind == reflect.Array || kind == reflect.Map:
			n, what = float64(v.Len()), "elements"
		case isNumberKind(kind):
			n = numberOf(v)
		default:
			return Issue{}, false
		}
		if r.name == "min" && n < r.num {
			if what == "" {
				return fail("too_small", "Must be at least %s", fmtNum(r.num))
			}
			return fail("too_small", "Must have at least %s %s", fmtNum(r.num), what)
		}
		if r.name == "max" && n > r.num {
			if what == "" {
				return fail("too_big", "Must be at most %s", fmtNum(r.num))
			}
			return fail("too_big", "Must have at most %s %s", fmtNum(r.num), what)
		}
	case "oneof":
		var s string
		switch {
		case kind == reflect.String:
			s = v.String()
			for _, want := range r.set {
				if s == want {
					return Issue{}, false
				}
			}
		case isNumberKind(kind):
			n := numberOf(v)
			for _, want := range r.set {
				if w, _ := strconv.ParseFloat(want, 64); w == n {
					return Issue{}, false
				}
			}
		default:
			return Issue{}, false
		}
		return fail("invalid_value", "Must be one of: %s", strings.Join(r.set, ", "))
	case "email":
		if kind == reflect.String && !validEmail(v.String()) {
			return fail("invalid_format", "Must be a valid email address")
		}
	}
	return Issue{}, false
}

// validEmail accepts one bare address: local@domain, with a dot-free or dotted
// domain and nothing else around it.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1
}
