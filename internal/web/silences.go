package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

// The silences page (issue #8): the silences not yet ended, in force or pending, and for operators
// a form that makes one and a button that ends one; viewers see the list. A "silence" link beside
// each alert on the live page opens the form filled with the alert's name and its object's labels.
// The store checks a silence (its matchers, its end after its start); the page reads the form and
// puts each objection beside its field.

const (
	silenceMaxRows  = 20                   // matcher rows one form may post
	silenceMinRows  = 3                    // matcher rows the form offers, at least
	silenceFor      = "2h"                 // the form's duration until changed
	silenceLongest  = 365 * 24 * time.Hour // a longer duration is a typing slip
	silenceMaxBytes = 64 << 10
)

// objectLabels are the labels that name an alert's object (store.AlertObject reads the same), in
// the order the form lists them.
var objectLabels = []string{"site", "room", "rack", "device", "power_node"}

type silencesData struct {
	Silences []silenceRow
	CanEdit  bool
	From     *dcim.Alert // the alert the form was filled from
	Done     string      // what the last post did
	Rows     []matcherRow
	Duration formField
	Until    formField
	Comment  formField
	Message  string        // the summary's heading when the silence was not made
	Errors   []summaryItem // each problem, linked to its field
}

// matcherRow is one matcher of the form: a label's name, its value, and whether the value is a
// regular expression.
type matcherRow struct {
	N                  int // from 1, for the labels
	Name, Value, Regex formField
}

type silenceRow struct {
	dcim.Silence
	State    string // "in force", or "pending" (it starts later)
	Matchers string // as PromQL writes them
}

// canSilence: operators and admins make and end silences, with a token that may write.
func canSilence(a dcim.Actor) bool {
	return (a.Role == dcim.RoleAdmin || a.Role == dcim.RoleOperator) && a.CanWrite
}

// silencesPage lists the silences and, for operators, shows the form (GET) or makes a silence from
// it (POST): on to the list when the store takes it, else the form again with its problems.
func (u *UI) silencesPage(w http.ResponseWriter, r *http.Request, v *view) (string, error) {
	ctx := r.Context()
	now := time.Now().UTC().Truncate(time.Second)
	d := &silencesData{CanEdit: canSilence(v.Actor)}
	v.Title, v.Crumbs, v.Data = "Silences", []crumb{{"Sites", "/"}, {"Live state", "/live"}}, d
	status := http.StatusOK
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, silenceMaxBytes)
		if err := r.ParseForm(); err != nil {
			return "", dcim.Invalid("form", "cannot read the form: %v", err)
		}
		sl, rowOf := d.read(r.PostForm, now)
		if len(d.Errors) == 0 {
			made, err := u.store.CreateSilence(ctx, sl)
			if err == nil {
				http.Redirect(w, r, fmt.Sprintf("/silences?created=%d#silences", made.ID), http.StatusSeeOther)
				return "", nil
			}
			e := dcim.AsError(err)
			if e == nil || e.Code != dcim.EInvalid {
				return "", err
			}
			d.explain(e, rowOf)
		} else if e := dcim.AsError(sl.Normalize()); e != nil {
			// The form has problems of its own: the store's check of the matchers too, at once.
			var ms []dcim.FieldError
			for _, fe := range e.Fields {
				if fe.Field == "matchers" {
					ms = append(ms, fe)
				}
			}
			d.explain(&dcim.Error{Code: e.Code, Message: e.Message, Fields: ms}, rowOf)
		}
		d.Message = "The silence was not made: correct what is marked."
		status = http.StatusBadRequest
	} else {
		q := r.URL.Query()
		var prefill []dcim.LabelMatcher
		if s := q.Get("alert"); s != "" {
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil || id <= 0 {
				return "", dcim.Errorf(dcim.ENotFound, "no such alert")
			}
			a, err := u.store.Alert(ctx, id)
			if err != nil {
				return "", err
			}
			d.From = &a
			prefill = append(prefill, dcim.LabelMatcher{Name: "alertname", Value: a.Name})
			for _, l := range objectLabels {
				if val := a.Labels[l]; val != "" {
					prefill = append(prefill, dcim.LabelMatcher{Name: l, Value: val})
				}
			}
		}
		d.setRows(prefill, len(prefill)+1)
		d.Duration.Value = silenceFor
		for _, done := range []struct{ key, what string }{{"created", "made"}, {"expired", "ended"}} {
			if id, err := strconv.ParseInt(q.Get(done.key), 10, 64); err == nil && id > 0 {
				d.Done = fmt.Sprintf("Silence %d %s.", id, done.what)
			}
		}
	}
	list, err := u.store.Silences(ctx, time.Now()) // not now: a silence ended this second is gone
	if err != nil {
		return "", err
	}
	for _, sl := range list {
		row := silenceRow{Silence: sl, State: "in force", Matchers: formatMatchers(sl.Matchers)}
		if now.Before(sl.Starts) {
			row.State = "pending"
		}
		d.Silences = append(d.Silences, row)
	}
	d.describe()
	if status != http.StatusOK {
		u.render(w, status, "silences", v)
		return "", nil
	}
	return "silences", nil
}

// expireSilence ends a silence now, from the list's button.
func (u *UI) expireSilence(w http.ResponseWriter, r *http.Request, v *view) (string, error) {
	id, err := pathID(r)
	if err != nil {
		return "", err
	}
	if err := u.store.ExpireSilence(r.Context(), id); err != nil {
		return "", err
	}
	http.Redirect(w, r, fmt.Sprintf("/silences?expired=%d#silences", id), http.StatusSeeOther)
	return "", nil
}

// setRows fills the matcher rows with ms, n rows in all (silenceMinRows at least).
func (d *silencesData) setRows(ms []dcim.LabelMatcher, n int) {
	n = min(max(n, len(ms), silenceMinRows), silenceMaxRows)
	d.Rows = make([]matcherRow, n)
	for i := range d.Rows {
		row := matcherRow{N: i + 1,
			Name:  formField{ID: fmt.Sprintf("m%d-name", i), Name: fmt.Sprintf("m%d_name", i), Label: fmt.Sprintf("Label %d", i+1)},
			Value: formField{ID: fmt.Sprintf("m%d-value", i), Name: fmt.Sprintf("m%d_value", i), Label: fmt.Sprintf("Value %d", i+1)},
			Regex: formField{ID: fmt.Sprintf("m%d-regex", i), Name: fmt.Sprintf("m%d_regex", i), Label: fmt.Sprintf("Value %d is a regular expression", i+1)},
		}
		if i < len(ms) {
			row.Name.Value, row.Value.Value, row.Regex.Checked = ms[i].Name, ms[i].Value, ms[i].IsRegex
		}
		d.Rows[i] = row
	}
	d.Duration = formField{ID: "s-duration", Name: "duration", Label: "For", Help: "a duration: 30m, 2h, 3d"}
	d.Until = formField{ID: "s-until", Name: "until", Label: "Or until (UTC)", Help: "an end time instead of the duration"}
	d.Comment = formField{ID: "s-comment", Name: "comment", Label: "Why", Required: true, Help: "what is being done, and who is on it"}
}

// read takes the posted form: the silence it asks for, and the form row of each of its matchers
// (empty rows are left out). What cannot be read goes beside its field.
func (d *silencesData) read(form url.Values, now time.Time) (dcim.Silence, []int) {
	var all []dcim.LabelMatcher
	for i := range silenceMaxRows {
		name, ok := form[fmt.Sprintf("m%d_name", i)]
		if !ok {
			break
		}
		all = append(all, dcim.LabelMatcher{Name: strings.TrimSpace(last(name)), Value: form.Get(fmt.Sprintf("m%d_value", i)),
			IsRegex: form.Get(fmt.Sprintf("m%d_regex", i)) == "true"})
	}
	d.setRows(all, len(all))
	sl := dcim.Silence{Starts: now, Comment: strings.TrimSpace(form.Get("comment"))}
	var rowOf []int
	for i, m := range all {
		if m.Name == "" && m.Value == "" && !m.IsRegex {
			continue
		}
		sl.Matchers = append(sl.Matchers, m)
		rowOf = append(rowOf, i)
	}
	d.Duration.Value, d.Until.Value, d.Comment.Value = form.Get("duration"), form.Get("until"), form.Get("comment")
	if until := strings.TrimSpace(d.Until.Value); until != "" {
		t, err := parseUntil(until)
		if err != nil {
			d.fieldError(&d.Until, err.Error())
		}
		sl.Ends = t
	} else {
		dur, err := parseFor(d.Duration.Value)
		if err != nil {
			d.fieldError(&d.Duration, err.Error())
		}
		sl.Ends = now.Add(dur)
	}
	switch n := utf8.RuneCountInString(sl.Comment); {
	case n == 0:
		d.fieldError(&d.Comment, "say why: a silence must")
	case n > 500:
		d.fieldError(&d.Comment, fmt.Sprintf("at most 500 characters (this is %d)", n))
	}
	return sl, rowOf
}

func last(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}

// parseFor reads a duration as Go writes one (90m, 2h30m), or in days (3d, 1.5d).
func parseFor(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("give a duration, or an end time")
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration: write 30m, 2h or 3d", s)
		}
		d = time.Duration(n * float64(24*time.Hour))
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%q is not a duration: write 30m, 2h or 3d", s)
		}
	}
	switch {
	case d <= 0:
		return 0, fmt.Errorf("must be longer than nothing")
	case d > silenceLongest:
		return 0, fmt.Errorf("at most 365 days")
	}
	return d, nil
}

// parseUntil reads an end time as a datetime-local input sends it, in UTC.
func parseUntil(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time: write 2026-05-01T18:00 (UTC)", s)
}

// fieldError puts a problem beside f and in the summary.
func (d *silencesData) fieldError(f *formField, msg string) {
	if f.Error != "" {
		f.Error += "; " + msg
	} else {
		f.Error = msg
	}
	d.Errors = append(d.Errors, summaryItem{Href: "#" + f.ID, Label: f.Label, Message: msg})
}

// explain puts the store's objections beside their fields: a matcher's (matchers, "[i]: …") beside
// its row's name or value, the end's beside the end time or the duration, whichever was given.
func (d *silencesData) explain(e *dcim.Error, rowOf []int) {
	for _, fe := range e.Fields {
		switch fe.Field {
		case "matchers":
			row, msg := 0, fe.Message
			if n, after, ok := strings.Cut(strings.TrimPrefix(fe.Message, "["), "]: "); ok && strings.HasPrefix(fe.Message, "[") {
				if i, err := strconv.Atoi(n); err == nil && i >= 0 && i < len(rowOf) {
					row, msg = rowOf[i], after
				}
			}
			f := &d.Rows[row].Value
			if d.Rows[row].Name.Value == "" || strings.Contains(msg, "label name") || len(rowOf) == 0 {
				f = &d.Rows[row].Name
			}
			d.fieldError(f, msg)
		case "ends":
			if strings.TrimSpace(d.Until.Value) != "" {
				d.fieldError(&d.Until, fe.Message)
			} else {
				d.fieldError(&d.Duration, fe.Message)
			}
		case "comment":
			d.fieldError(&d.Comment, fe.Message)
		default:
			d.Errors = append(d.Errors, summaryItem{Label: fe.Field, Message: fe.Message})
		}
	}
	if len(e.Fields) == 0 && e.Message != "invalid input" {
		d.Errors = append(d.Errors, summaryItem{Label: "silence", Message: e.Message})
	}
}

// describe links each field to its error and help text.
func (d *silencesData) describe() {
	fields := []formField{d.Duration, d.Until, d.Comment}
	describe(fields)
	d.Duration, d.Until, d.Comment = fields[0], fields[1], fields[2]
	for i := range d.Rows {
		row := []formField{d.Rows[i].Name, d.Rows[i].Value, d.Rows[i].Regex}
		describe(row)
		d.Rows[i].Name, d.Rows[i].Value, d.Rows[i].Regex = row[0], row[1], row[2]
	}
}

// formatMatchers writes matchers as PromQL does: {alertname="InletHot", rack=~"A0.*"}.
func formatMatchers(ms []dcim.LabelMatcher) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		op := "="
		if m.IsRegex {
			op = "=~"
		}
		parts[i] = m.Name + op + strconv.Quote(m.Value)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
