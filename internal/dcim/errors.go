package dcim

import (
	"errors"
	"fmt"
	"strings"
)

// Code classifies a domain error. The HTTP layer maps each code to one status in one table;
// nothing below it knows about HTTP.
type Code string

// Error codes.
const (
	ENotFound     Code = "not_found"
	EInvalid      Code = "invalid"
	EConflict     Code = "conflict"
	EForbidden    Code = "forbidden"
	EUnauthorized Code = "unauthorized"
	ETooLarge     Code = "too_large"
	EInternal     Code = "internal"
)

// ObjectRef names another object: the one an error conflicts with, or a dependent that blocks a delete.
type ObjectRef struct {
	Type string `json:"type"`
	ID   int64  `json:"id"`
	Name string `json:"name,omitempty"`
}

func (r ObjectRef) String() string {
	if r.Name != "" {
		return fmt.Sprintf("%s %d (%q)", r.Type, r.ID, r.Name)
	}
	return fmt.Sprintf("%s %d", r.Type, r.ID)
}

// FieldError says what is wrong with one field of the input, and which object it conflicts with if any.
type FieldError struct {
	Field    string     `json:"field"`
	Message  string     `json:"message"`
	Conflict *ObjectRef `json:"conflict,omitempty"`
}

// Error is the one coded error type of the domain.
type Error struct {
	Code       Code
	Message    string
	Fields     []FieldError
	Dependents []ObjectRef
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	for _, f := range e.Fields {
		b.WriteString("; ")
		b.WriteString(f.Field)
		b.WriteString(": ")
		b.WriteString(f.Message)
	}
	if len(e.Dependents) > 0 {
		b.WriteString("; dependents: ")
		for i, d := range e.Dependents {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(d.String())
		}
	}
	return b.String()
}

// Errorf returns an Error with the given code and message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EInvalid error naming one field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Message: "invalid input", Fields: []FieldError{{Field: field, Message: fmt.Sprintf(format, args...)}}}
}

// Conflict returns an EConflict error naming the field and the object it collides with.
func Conflict(field string, with ObjectRef, format string, args ...any) *Error {
	w := with
	return &Error{Code: EConflict, Message: "conflict", Fields: []FieldError{{Field: field, Message: fmt.Sprintf(format, args...), Conflict: &w}}}
}

// NotFound returns an ENotFound error for an object type and id.
func NotFound(objType string, id int64) *Error {
	return Errorf(ENotFound, "%s %d not found", objType, id)
}

// ErrorCode returns the code of err, EInternal for errors that are not domain errors.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// AsError returns err as a domain error, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// Problems collects field errors so that one response names every bad field at once.
type Problems struct {
	fields []FieldError
}

// Add records a problem with a field.
func (p *Problems) Add(field, format string, args ...any) {
	p.fields = append(p.fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns the collected problems as an EInvalid error, or nil if there are none.
func (p *Problems) Err() error {
	if len(p.fields) == 0 {
		return nil
	}
	return &Error{Code: EInvalid, Message: "invalid input", Fields: p.fields}
}

// Prefix returns err with every field name prefixed, so errors from one item of a bulk request name
// the item ("[3].position").
func Prefix(err error, prefix string) error {
	e := AsError(err)
	if e == nil {
		return err
	}
	out := *e
	out.Fields = make([]FieldError, len(e.Fields))
	for i, f := range e.Fields {
		f.Field = prefix + "." + f.Field
		out.Fields[i] = f
	}
	if len(out.Fields) == 0 {
		out.Message = prefix + ": " + e.Message
	}
	return &out
}
