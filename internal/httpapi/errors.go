package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// statusOf is the one table from domain error codes to HTTP statuses.
var statusOf = map[dcim.Code]int{
	dcim.EInvalid:      http.StatusBadRequest,
	dcim.ENotFound:     http.StatusNotFound,
	dcim.EConflict:     http.StatusConflict,
	dcim.EForbidden:    http.StatusForbidden,
	dcim.EUnauthorized: http.StatusUnauthorized,
	dcim.ETooLarge:     http.StatusRequestEntityTooLarge,
	dcim.EInternal:     http.StatusInternalServerError,
}

// Problem is every error response (RFC 9457 problem+json): the fields that are wrong, the objects
// they conflict with, and the dependents that block a delete.
type Problem struct {
	status     int
	Title      string            `json:"title"`
	Status     int               `json:"status"`
	Detail     string            `json:"detail,omitempty"`
	Errors     []dcim.FieldError `json:"errors,omitempty"`
	Dependents []dcim.ObjectRef  `json:"dependents,omitempty"`
}

func (p *Problem) Error() string  { return p.Detail }
func (p *Problem) GetStatus() int { return p.status }

// ContentType makes error bodies application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" {
		return "application/problem+json"
	}
	return ct
}

func newProblem(status int, detail string) *Problem {
	return &Problem{status: status, Status: status, Title: http.StatusText(status), Detail: detail}
}

// fromHuma builds a Problem from the errors huma's own validation reports, naming fields the way
// domain errors do ("position", "[3].name", "query.limit"). Schema violations are plain 400s, as
// domain validation errors are.
func fromHuma(status int, msg string, errs ...error) huma.StatusError {
	if status == http.StatusUnprocessableEntity {
		status = http.StatusBadRequest
	}
	p := newProblem(status, msg)
	for _, err := range errs {
		if err == nil {
			continue
		}
		var d *huma.ErrorDetail
		if errors.As(err, &d) {
			field := strings.TrimPrefix(strings.TrimPrefix(d.Location, "body"), ".")
			if field == "" {
				field = "body"
			}
			p.Errors = append(p.Errors, dcim.FieldError{Field: field, Message: d.Message})
			continue
		}
		if p.Detail == "" || p.Detail == msg {
			p.Detail = msg + ": " + err.Error()
		}
	}
	if status == http.StatusRequestEntityTooLarge && p.Detail == "" {
		p.Detail = "request body too large"
	}
	return p
}

func init() {
	// huma reports its own validation errors through this hook; route them into Problem.
	huma.NewError = fromHuma
}

// problem turns any error of a handler into its response.
func problem(err error) error {
	if err == nil {
		return nil
	}
	var se huma.StatusError
	if errors.As(err, &se) {
		return se
	}
	e := dcim.AsError(err)
	if e == nil {
		slog.Error("request failed", "err", err)
		return newProblem(http.StatusInternalServerError, "internal error")
	}
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	p := newProblem(status, e.Message)
	p.Errors = e.Fields
	p.Dependents = e.Dependents
	return p
}
