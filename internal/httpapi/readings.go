package httpapi

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/plenum-dcim/plenum/internal/dcim"
	"github.com/plenum-dcim/plenum/internal/store"
)

type readingsImportInput struct {
	ID      int64 `path:"id" minimum:"1"`
	RawBody []byte
}

type readingsImportOutput struct {
	Body struct {
		Created int `json:"created"`
	}
}

// maxReadingRows bounds one import.
const maxReadingRows = 100000

func registerReadingsImport(api huma.API, s *store.Store) {
	huma.Register(api, huma.Operation{
		OperationID: "import-meter-readings", Method: http.MethodPost, Path: Prefix + "/meters/{id}/readings", Tags: []string{"meter-readings"},
		Summary:       "Import a meter's manual readings (and swaps) from CSV: a header naming at and value (and optionally kind, old_value, note), one reading a line; every line is checked and nothing is stored unless all are good",
		RequestBody:   &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{"text/csv": {Schema: &huma.Schema{Type: "string"}}}},
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *readingsImportInput) (*readingsImportOutput, error) {
		if _, err := s.Meters().Get(ctx, in.ID); err != nil {
			return nil, problem(err)
		}
		rows, err := parseReadings(in.RawBody, in.ID)
		if err != nil {
			return nil, problem(err)
		}
		if _, err := s.MeterReadings().BulkCreate(ctx, rows); err != nil {
			return nil, problem(byLine(err))
		}
		out := &readingsImportOutput{}
		out.Body.Created = len(rows)
		return out, nil
	})
}

// parseReadings reads the CSV of one meter's readings; every bad line is reported, by number.
func parseReadings(body []byte, meter int64) ([]dcim.MeterReading, error) {
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	head, err := r.Read()
	if err == io.EOF {
		return nil, dcim.Invalid("line 1", "empty: want a header naming at and value")
	}
	if err != nil {
		return nil, dcim.Invalid("line 1", "%v", err)
	}
	col := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		switch h {
		case "at", "value", "kind", "old_value", "note":
			col[h] = i
		default:
			return nil, dcim.Invalid("line 1", "column %q: want at, value, kind, old_value, note", h)
		}
	}
	for _, need := range []string{"at", "value"} {
		if _, ok := col[need]; !ok {
			return nil, dcim.Invalid("line 1", "no %s column", need)
		}
	}
	var out []dcim.MeterReading
	var pr dcim.Problems
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		field := fmt.Sprintf("line %d", line)
		if err != nil {
			pr.Add(field, "%v", err)
			continue
		}
		if len(out) >= maxReadingRows {
			return nil, dcim.Invalid(field, "more than %d readings in one import", maxReadingRows)
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		rd := dcim.MeterReading{MeterID: meter, Kind: get("kind"), Note: get("note")}
		if rd.At, err = time.Parse(time.RFC3339, get("at")); err != nil {
			pr.Add(field+".at", "%q: want an RFC 3339 time", get("at"))
			continue
		}
		if rd.Value, err = strconv.ParseFloat(get("value"), 64); err != nil {
			pr.Add(field+".value", "%q: not a number", get("value"))
			continue
		}
		if v := get("old_value"); v != "" {
			old, err := strconv.ParseFloat(v, 64)
			if err != nil {
				pr.Add(field+".old_value", "%q: not a number", v)
				continue
			}
			rd.OldValue = &old
		}
		if err := rd.Normalize(); err != nil {
			for _, f := range dcim.AsError(err).Fields {
				pr.Add(field+"."+f.Field, "%s", f.Message)
			}
			continue
		}
		out = append(out, rd)
	}
	if err := pr.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, dcim.Invalid("line 2", "no readings")
	}
	return out, nil
}

var itemField = regexp.MustCompile(`^\[(\d+)\]\.`)

// byLine renames the fields of a bulk write's error from items ([0].at) to CSV lines (line 2.at).
func byLine(err error) error {
	e := dcim.AsError(err)
	if e == nil {
		return err
	}
	out := *e
	out.Fields = make([]dcim.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		if m := itemField.FindStringSubmatch(f.Field); m != nil {
			n, _ := strconv.Atoi(m[1])
			f.Field = fmt.Sprintf("line %d.%s", n+2, f.Field[len(m[0]):])
		}
		out.Fields[i] = f
	}
	return &out
}
