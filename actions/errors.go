package actions

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Code names the kind of failure of an action, with the names Astro's
// ActionError uses. Each code maps to one HTTP status (see [Code.Status]).
type Code string

// The codes of Astro's ActionError, each with its HTTP status.
const (
	BadRequest                    Code = "BAD_REQUEST"                     // 400
	Unauthorized                  Code = "UNAUTHORIZED"                    // 401
	PaymentRequired               Code = "PAYMENT_REQUIRED"                // 402
	Forbidden                     Code = "FORBIDDEN"                       // 403
	NotFound                      Code = "NOT_FOUND"                       // 404
	MethodNotAllowed              Code = "METHOD_NOT_ALLOWED"              // 405
	NotAcceptable                 Code = "NOT_ACCEPTABLE"                  // 406
	ProxyAuthenticationRequired   Code = "PROXY_AUTHENTICATION_REQUIRED"   // 407
	RequestTimeout                Code = "REQUEST_TIMEOUT"                 // 408
	Conflict                      Code = "CONFLICT"                        // 409
	Gone                          Code = "GONE"                            // 410
	LengthRequired                Code = "LENGTH_REQUIRED"                 // 411
	PreconditionFailed            Code = "PRECONDITION_FAILED"             // 412
	ContentTooLarge               Code = "CONTENT_TOO_LARGE"               // 413
	URITooLong                    Code = "URI_TOO_LONG"                    // 414
	UnsupportedMediaType          Code = "UNSUPPORTED_MEDIA_TYPE"          // 415
	RangeNotSatisfiable           Code = "RANGE_NOT_SATISFIABLE"           // 416
	ExpectationFailed             Code = "EXPECTATION_FAILED"              // 417
	MisdirectedRequest            Code = "MISDIRECTED_REQUEST"             // 421
	UnprocessableContent          Code = "UNPROCESSABLE_CONTENT"           // 422
	Locked                        Code = "LOCKED"                          // 423
	FailedDependency              Code = "FAILED_DEPENDENCY"               // 424
	TooEarly                      Code = "TOO_EARLY"                       // 425
	UpgradeRequired               Code = "UPGRADE_REQUIRED"                // 426
	PreconditionRequired          Code = "PRECONDITION_REQUIRED"           // 428
	TooManyRequests               Code = "TOO_MANY_REQUESTS"               // 429
	RequestHeaderFieldsTooLarge   Code = "REQUEST_HEADER_FIELDS_TOO_LARGE" // 431
	UnavailableForLegalReasons    Code = "UNAVAILABLE_FOR_LEGAL_REASONS"   // 451
	InternalServerError           Code = "INTERNAL_SERVER_ERROR"           // 500
	NotImplemented                Code = "NOT_IMPLEMENTED"                 // 501
	BadGateway                    Code = "BAD_GATEWAY"                     // 502
	ServiceUnavailable            Code = "SERVICE_UNAVAILABLE"             // 503
	GatewayTimeout                Code = "GATEWAY_TIMEOUT"                 // 504
	HTTPVersionNotSupported       Code = "HTTP_VERSION_NOT_SUPPORTED"      // 505
	VariantAlsoNegotiates         Code = "VARIANT_ALSO_NEGOTIATES"         // 506
	InsufficientStorage           Code = "INSUFFICIENT_STORAGE"            // 507
	LoopDetected                  Code = "LOOP_DETECTED"                   // 508
	NetworkAuthenticationRequired Code = "NETWORK_AUTHENTICATION_REQUIRED" // 511
)

var codeStatus = map[Code]int{
	BadRequest: 400, Unauthorized: 401, PaymentRequired: 402, Forbidden: 403, NotFound: 404,
	MethodNotAllowed: 405, NotAcceptable: 406, ProxyAuthenticationRequired: 407, RequestTimeout: 408,
	Conflict: 409, Gone: 410, LengthRequired: 411, PreconditionFailed: 412, ContentTooLarge: 413,
	URITooLong: 414, UnsupportedMediaType: 415, RangeNotSatisfiable: 416, ExpectationFailed: 417,
	MisdirectedRequest: 421, UnprocessableContent: 422, Locked: 423, FailedDependency: 424,
	TooEarly: 425, UpgradeRequired: 426, PreconditionRequired: 428, TooManyRequests: 429,
	RequestHeaderFieldsTooLarge: 431, UnavailableForLegalReasons: 451, InternalServerError: 500,
	NotImplemented: 501, BadGateway: 502, ServiceUnavailable: 503, GatewayTimeout: 504,
	HTTPVersionNotSupported: 505, VariantAlsoNegotiates: 506, InsufficientStorage: 507,
	LoopDetected: 508, NetworkAuthenticationRequired: 511,
}

var statusCode = func() map[int]Code {
	m := make(map[int]Code, len(codeStatus))
	for c, s := range codeStatus {
		m[s] = c
	}
	return m
}()

// Status returns the HTTP status of the code; 500 for a code Astro does not define.
func (c Code) Status() int {
	if s, ok := codeStatus[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// CodeForStatus returns the code of an HTTP status, INTERNAL_SERVER_ERROR for a
// status without one (as Astro's ActionError.statusToCode does).
func CodeForStatus(status int) Code {
	if c, ok := statusCode[status]; ok {
		return c
	}
	return InternalServerError
}

// Issue is one problem found in an action's input: which field (Path, from the
// top-level field name down to the failing element), a machine-readable Code
// ("invalid_type", "too_small", "too_big", "invalid_value", "invalid_format",
// "custom") and a message for people.
type Issue struct {
	Code    string `json:"code"`
	Path    []any  `json:"path"`
	Message string `json:"message"`
}

// Error is the error of an action: what an action handler returns to choose the
// HTTP status and the message the caller sees, and what input decoding and
// validation return. It is sent to the client as JSON in the shape of Astro's
// ActionError (type "AstroActionError") or, when it carries input issues, of
// Astro's ActionInputError (type "AstroActionInputError", with issues and
// fields).
//
// An action handler that returns any other error makes the action answer
// INTERNAL_SERVER_ERROR with a generic message; the error itself is logged, not
// sent.
type Error struct {
	// Code selects the HTTP status.
	Code Code
	// Message is shown to the caller.
	Message string
	// Issues lists the problems of the input, for validation errors.
	Issues []Issue
	// Fields maps each top-level input field with issues to their messages.
	Fields map[string][]string
	// Err is the underlying cause, for errors.Is/As and logs; it is never sent to the client.
	Err error
}

// NewError returns an error with the given code and message.
func NewError(code Code, message string) *Error {
	return &Error{Code: code, Message: message}
}

// Errorf returns an error with the given code and a formatted message. A %w verb
// sets Err.
func Errorf(code Code, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	e := &Error{Code: code, Message: err.Error()}
	if u, ok := err.(interface{ Unwrap() error }); ok {
		e.Err = u.Unwrap()
	} else if u, ok := err.(interface{ Unwrap() []error }); ok && len(u.Unwrap()) > 0 {
		e.Err = u.Unwrap()[0]
	}
	return e
}

// InputError returns a BAD_REQUEST error for the given input issues, with Fields
// filled from them. Action handlers use it to report a problem with one field
// that only the handler can see (an unknown product, a name already taken).
func InputError(issues ...Issue) *Error {
	e := &Error{Code: BadRequest, Issues: issues, Fields: map[string][]string{}}
	var msgs []string
	for _, is := range issues {
		if len(is.Path) > 0 {
			k := fmt.Sprint(is.Path[0])
			e.Fields[k] = append(e.Fields[k], is.Message)
		}
		msgs = append(msgs, issuePathString(is.Path)+is.Message)
	}
	e.Message = "Failed to validate: " + strings.Join(msgs, "; ")
	return e
}

// FieldError returns a BAD_REQUEST input error with one custom issue on field.
func FieldError(field, message string) *Error {
	return InputError(Issue{Code: "custom", Path: []any{field}, Message: message})
}

func issuePathString(path []any) string {
	if len(path) == 0 {
		return ""
	}
	var b strings.Builder
	for i, p := range path {
		switch p := p.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", p)
		default:
			if i > 0 {
				b.WriteByte('.')
			}
			fmt.Fprint(&b, p)
		}
	}
	return b.String() + ": "
}

// Error returns the code and the message.
func (e *Error) Error() string {
	if e.Message == "" {
		return "actions: " + string(e.Code)
	}
	return "actions: " + string(e.Code) + ": " + e.Message
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Status returns the HTTP status of the error's code.
func (e *Error) Status() int { return e.Code.Status() }

// errorBody is the JSON sent for an error, a superset of Astro's two shapes.
type errorBody struct {
	Type    string              `json:"type"`
	Code    Code                `json:"code"`
	Status  int                 `json:"status"`
	Message string              `json:"message"`
	Issues  []Issue             `json:"issues,omitempty"`
	Fields  map[string][]string `json:"fields,omitempty"`
}

// MarshalJSON encodes the error as Astro's client expects it:
// {"type":"AstroActionError","code":...,"status":...,"message":...}, or with
// type "AstroActionInputError" plus "issues" and "fields" for input errors.
func (e *Error) MarshalJSON() ([]byte, error) {
	b := errorBody{Type: "AstroActionError", Code: e.Code, Status: e.Status(), Message: e.Message}
	if len(e.Issues) > 0 {
		b.Type = "AstroActionInputError"
		b.Issues = e.Issues
		b.Fields = e.Fields
		if b.Fields == nil {
			b.Fields = map[string][]string{}
		}
	}
	if b.Code == "" {
		b.Code = InternalServerError
	}
	return json.Marshal(b)
}
