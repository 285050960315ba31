package actions

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
)

// Input says which request bodies an action accepts.
type Input int

const (
	// JSONOrForm accepts a JSON body and form data; the default.
	JSONOrForm Input = iota
	// JSONOnly accepts only application/json (Astro's default, accept: "json").
	JSONOnly
	// FormOnly accepts only form data (Astro's accept: "form").
	FormOnly
)

// DefaultBodyLimit is the largest request body an action reads unless
// [WithBodyLimit] says otherwise: 1 MiB, Astro's default actionBodySizeLimit.
const DefaultBodyLimit = 1 << 20

// multipartMemory is how much of a multipart body is kept in memory; the rest of
// the (already size-limited) body goes to temporary files.
const multipartMemory = 8 << 20

var (
	fileHeaderType  = reflect.TypeFor[*multipart.FileHeader]()
	fileHeadersType = reflect.TypeFor[[]*multipart.FileHeader]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// decoder turns a request body into a value of an action's input type.
type decoder struct {
	typ     reflect.Type // In
	st      reflect.Type // the struct type In is or points to; nil when In is no struct
	plan    *structPlan
	formErr error // why form data cannot fill In; nil when it can
	accept  Input
	limit   int64
}

func newDecoder(t reflect.Type, accept Input, limit int64) (*decoder, error) {
	d := &decoder{typ: t, accept: accept, limit: limit}
	st := t
	if st.Kind() == reflect.Pointer {
		st = st.Elem()
	}
	if st.Kind() != reflect.Struct {
		d.formErr = fmt.Errorf("input type %s is not a struct", t)
		if accept == FormOnly {
			return nil, d.formErr
		}
		return d, nil
	}
	d.st = st
	plan, err := planFor(st)
	if err != nil {
		return nil, err
	}
	d.plan = plan
	for _, f := range plan.fields {
		if !formType(f.typ) {
			d.formErr = fmt.Errorf("field %q of type %s cannot be read from form data", f.name, f.typ)
			if accept == FormOnly {
				return nil, d.formErr
			}
			break
		}
	}
	return d, nil
}

// formType reports whether form values can fill a field of type t.
func formType(t reflect.Type) bool {
	if t == fileHeaderType || t == fileHeadersType {
		return true
	}
	if t.Kind() == reflect.Slice {
		return formScalar(t.Elem())
	}
	if t.Kind() == reflect.Pointer {
		return formScalar(t.Elem()) || reflect.PointerTo(t.Elem()).Implements(textUnmarshaler)
	}
	return formScalar(t)
}

func formScalar(t reflect.Type) bool {
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		return true
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool:
		return true
	}
	return isNumberKind(t.Kind())
}

// decodeRequest reads the body of r into *dst (a pointer to In) and validates it.
// It returns a cleanup function for temporary files of multipart bodies.
func (d *decoder) decodeRequest(r *http.Request, dst reflect.Value) (cleanup func(), err error) {
	cleanup = func() {}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		body, err := d.readBody(r)
		if err != nil {
			return cleanup, err
		}
		if len(bytes.TrimSpace(body)) > 0 {
			return cleanup, NewError(UnsupportedMediaType, "Request body has no Content-Type; send application/json or form data.")
		}
		return cleanup, d.finish(dst, nil, nil)
	}
	mt, params, perr := mime.ParseMediaType(ct)
	if perr != nil {
		return cleanup, Errorf(UnsupportedMediaType, "Invalid Content-Type %q.", ct)
	}
	switch mt {
	case "application/json":
		if d.accept == FormOnly {
			return cleanup, NewError(UnsupportedMediaType, "This action only accepts FormData.")
		}
		body, err := d.readBody(r)
		if err != nil {
			return cleanup, err
		}
		return cleanup, d.decodeJSON(body, dst)
	case "application/x-www-form-urlencoded":
		if err := d.formAllowed(); err != nil {
			return cleanup, err
		}
		body, err := d.readBody(r)
		if err != nil {
			return cleanup, err
		}
		vals, qerr := url.ParseQuery(string(body))
		if qerr != nil {
			return cleanup, Errorf(BadRequest, "Invalid form data: %v", qerr)
		}
		return cleanup, d.decodeForm(vals, nil, dst)
	case "multipart/form-data":
		if err := d.formAllowed(); err != nil {
			return cleanup, err
		}
		if params["boundary"] == "" {
			return cleanup, NewError(BadRequest, "Invalid form data: multipart body without boundary.")
		}
		if r.ContentLength > d.limit {
			return cleanup, d.tooLarge()
		}
		mr := multipart.NewReader(http.MaxBytesReader(nil, r.Body, d.limit), params["boundary"])
		form, ferr := mr.ReadForm(multipartMemory)
		if ferr != nil {
			var mbe *http.MaxBytesError
			if errors.As(ferr, &mbe) || errors.Is(ferr, multipart.ErrMessageTooLarge) {
				return cleanup, d.tooLarge()
			}
			return cleanup, Errorf(BadRequest, "Invalid form data: %v", ferr)
		}
		cleanup = func() { _ = form.RemoveAll() }
		return cleanup, d.decodeForm(form.Value, form.File, dst)
	default:
		return cleanup, Errorf(UnsupportedMediaType, "Unsupported Content-Type %q; send application/json or form data.", mt)
	}
}

func (d *decoder) formAllowed() error {
	if d.accept == JSONOnly {
		return NewError(UnsupportedMediaType, "This action only accepts JSON.")
	}
	if d.formErr != nil {
		return &Error{Code: UnsupportedMediaType, Message: "This action only accepts JSON.", Err: d.formErr}
	}
	return nil
}

func (d *decoder) tooLarge() *Error {
	return Errorf(ContentTooLarge, "Request body exceeds %d bytes", d.limit)
}

func (d *decoder) readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > d.limit {
		return nil, d.tooLarge()
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, d.limit+1))
	if err != nil {
		return nil, Errorf(BadRequest, "Reading the request body: %w", err)
	}
	if int64(len(body)) > d.limit {
		return nil, d.tooLarge()
	}
	return body, nil
}

// target returns the struct value to fill inside dst (allocating when In is a pointer).
func (d *decoder) target(dst reflect.Value) reflect.Value {
	v := dst.Elem()
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	return v
}

// decodeJSON fills *dst from a JSON body and validates it. Keys match field
// names exactly (see exactKeys); other keys are ignored.
func (d *decoder) decodeJSON(body []byte, dst reflect.Value) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return d.finish(dst, nil, nil)
	}
	if d.st == nil {
		if err := json.Unmarshal(exactKeys(body, d.typ), dst.Interface()); err != nil {
			return jsonError(err, nil)
		}
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return NewError(BadRequest, "Invalid input: expected a JSON object.")
		}
		return jsonError(err, nil)
	}
	if obj == nil { // the body was null
		return d.finish(dst, nil, nil)
	}
	v := d.target(dst)
	present := make([]bool, len(d.plan.fields))
	var issues []Issue
	for i, f := range d.plan.fields {
		raw, ok := obj[f.name]
		if !ok || string(bytes.TrimSpace(raw)) == "null" {
			continue
		}
		if err := decodeField(v.FieldByIndex(f.index), raw, f); err != nil {
			issues = append(issues, jsonError(err, []any{f.name}).Issues...)
			continue
		}
		present[i] = true
	}
	return d.finish(dst, present, issues)
}

// decodeField decodes one member of the input object into its field, honouring
// the json tag's "string" option.
func decodeField(fv reflect.Value, raw json.RawMessage, f fieldPlan) error {
	if f.stringOpt && stringOptKind(f.typ) {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf("invalid use of ,string struct tag, trying to unmarshal %s into %s", raw, f.typ)
		}
		raw = json.RawMessage(s)
	}
	return json.Unmarshal(exactKeys(raw, f.typ), fv.Addr().Interface())
}

// stringOptKind reports whether encoding/json applies the ",string" option to a
// field of type t: strings, numbers and booleans, or pointers to them.
func stringOptKind(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch k := t.Kind(); {
	case k == reflect.String, k == reflect.Bool:
		return true
	default:
		return isNumberKind(k)
	}
}

// jsonError turns a decoding error into an input error at path.
func jsonError(err error, path []any) *Error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		p := append([]any(nil), path...)
		if te.Field != "" {
			for _, s := range strings.Split(te.Field, ".") {
				p = append(p, s)
			}
		}
		want := typeWord(te.Type)
		got := te.Value
		return InputError(Issue{Code: "invalid_type", Path: p, Message: "Expected " + want + ", received " + got})
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		if path == nil {
			return Errorf(BadRequest, "Invalid JSON at byte %d: %v", se.Offset, se)
		}
		return InputError(Issue{Code: "invalid_type", Path: path, Message: "Invalid JSON: " + se.Error()})
	}
	if path == nil {
		return Errorf(BadRequest, "Invalid input: %v", err)
	}
	return InputError(Issue{Code: "invalid_format", Path: path, Message: "Invalid value: " + err.Error()})
}

func typeWord(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch k := t.Kind(); {
	case k == reflect.String:
		return "string"
	case k == reflect.Bool:
		return "boolean"
	case k == reflect.Float32 || k == reflect.Float64:
		return "number"
	case isNumberKind(k):
		if k >= reflect.Uint && k <= reflect.Uintptr {
			return "a non-negative integer"
		}
		return "an integer"
	case k == reflect.Slice || k == reflect.Array:
		return "array"
	case k == reflect.Struct || k == reflect.Map:
		return "object"
	}
	return t.String()
}

// decodeForm fills *dst from form values and files and validates it. An empty
// value counts as absent, as in Astro's form handling.
func (d *decoder) decodeForm(vals url.Values, files map[string][]*multipart.FileHeader, dst reflect.Value) error {
	v := d.target(dst)
	present := make([]bool, len(d.plan.fields))
	var issues []Issue
	for i, f := range d.plan.fields {
		fv := v.FieldByIndex(f.index)
		ok, issue := setForm(fv, vals[f.name], files[f.name], f.name)
		if issue != nil {
			issues = append(issues, *issue)
			continue
		}
		present[i] = ok
	}
	return d.finish(dst, present, issues)
}

func setForm(fv reflect.Value, vals []string, files []*multipart.FileHeader, name string) (bool, *Issue) {
	t := fv.Type()
	switch {
	case t == fileHeaderType:
		if len(files) == 0 {
			return false, nil
		}
		fv.Set(reflect.ValueOf(files[0]))
		return true, nil
	case t == fileHeadersType:
		if len(files) == 0 {
			return false, nil
		}
		fv.Set(reflect.ValueOf(files))
		return true, nil
	case t.Kind() == reflect.Slice && !reflect.PointerTo(t).Implements(textUnmarshaler):
		if len(vals) == 0 {
			return false, nil
		}
		s := reflect.MakeSlice(t, len(vals), len(vals))
		for i, val := range vals {
			if is := setScalar(s.Index(i), val, []any{name, i}); is != nil {
				return false, is
			}
		}
		fv.Set(s)
		return true, nil
	}
	if t.Kind() == reflect.Bool {
		// A checkbox: "true"/"false" as written, any other value means checked.
		if len(vals) == 0 {
			return false, nil
		}
		fv.SetBool(vals[0] != "false")
		return true, nil
	}
	if len(vals) == 0 || vals[0] == "" {
		return false, nil
	}
	if t.Kind() == reflect.Pointer && !t.Implements(textUnmarshaler) {
		p := reflect.New(t.Elem())
		if is := setScalar(p.Elem(), vals[0], []any{name}); is != nil {
			return false, is
		}
		fv.Set(p)
		return true, nil
	}
	if is := setScalar(fv, vals[0], []any{name}); is != nil {
		return false, is
	}
	return true, nil
}

// setScalar parses one form value into v.
func setScalar(v reflect.Value, s string, path []any) *Issue {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	if v.Addr().Type().Implements(textUnmarshaler) {
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s)); err != nil {
			return &Issue{Code: "invalid_format", Path: path, Message: "Invalid value: " + err.Error()}
		}
		return nil
	}
	bad := func(want string) *Issue {
		got := "string"
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			got = "number " + s
		}
		return &Issue{Code: "invalid_type", Path: path, Message: "Expected " + want + ", received " + got}
	}
	switch k := v.Kind(); {
	case k == reflect.String:
		v.SetString(s)
	case k == reflect.Bool:
		v.SetBool(s != "false")
	case k >= reflect.Int && k <= reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, v.Type().Bits())
		if err != nil {
			return bad(typeWord(v.Type()))
		}
		v.SetInt(n)
	case k >= reflect.Uint && k <= reflect.Uintptr:
		n, err := strconv.ParseUint(strings.TrimSpace(s), 10, v.Type().Bits())
		if err != nil {
			return bad(typeWord(v.Type()))
		}
		v.SetUint(n)
	case k == reflect.Float32 || k == reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), v.Type().Bits())
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return bad("number")
		}
		v.SetFloat(f)
	default:
		return &Issue{Code: "invalid_type", Path: path, Message: "Cannot be read from form data"}
	}
	return nil
}

// finish validates the decoded input; issues from decoding come first.
func (d *decoder) finish(dst reflect.Value, present []bool, issues []Issue) error {
	if d.st == nil {
		return nil
	}
	v := d.target(dst)
	if present == nil {
		present = make([]bool, len(d.plan.fields))
	}
	var failed map[string]bool
	if len(issues) > 0 {
		failed = map[string]bool{}
	}
	for _, is := range issues {
		if len(is.Path) > 0 {
			failed[fmt.Sprint(is.Path[0])] = true
		}
	}
	for _, is := range validateStruct(v, d.plan, present, nil, nil) {
		if len(is.Path) > 0 && failed[fmt.Sprint(is.Path[0])] {
			continue // the field already has a decoding issue
		}
		issues = append(issues, is)
	}
	if len(issues) > 0 {
		return InputError(issues...)
	}
	return nil
}
