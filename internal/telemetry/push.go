package telemetry

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// HTTP handlers of the push endpoints. Authentication is the caller's.

// HandleRemoteWrite is POST /api/v1/write: Prometheus remote-write 1.0. It answers 204 when every
// sample is stored; 400 when some were refused by the store (out of order, duplicates: the others
// are stored) or the body is bad (nothing is); 413 past the limits.
func (s *Store) HandleRemoteWrite(w http.ResponseWriter, r *http.Request) {
	if enc := r.Header.Get("Content-Encoding"); enc != "" && enc != "snappy" {
		http.Error(w, fmt.Sprintf("Content-Encoding %q: remote-write bodies are snappy", enc), http.StatusUnsupportedMediaType)
		return
	}
	res, err := s.RemoteWrite(r.Context(), r.Body)
	if err != nil {
		s.refused.WithLabelValues("remote-write", "request").Inc()
		writeInputError(w, err)
		return
	}
	s.ingested.WithLabelValues("remote-write").Add(float64(res.Samples))
	s.refused.WithLabelValues("remote-write", "sample").Add(float64(res.Rejected.Total()))
	if n := res.Rejected.Total(); n > 0 {
		http.Error(w, fmt.Sprintf("%d of %d samples not stored (%d out of order, %d duplicate timestamps, %d too old), the first: %v",
			n, n+res.Samples, res.Rejected.OutOfOrder, res.Rejected.Duplicate, res.Rejected.TooOld, res.Rejected.First), http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// HandleLineProtocol is POST /write (InfluxDB 1.x) and /api/v2/write (2.x). It answers 204 when
// every line is stored; 400 with the numbers and errors of the lines dropped when some are bad (the
// others are stored); 413 past the limits.
func (s *Store) HandleLineProtocol(w http.ResponseWriter, r *http.Request) {
	precision, err := Precision(r.URL.Query().Get("precision"))
	if err != nil {
		writeInfluxError(w, http.StatusBadRequest, err.Error(), nil, 0)
		return
	}
	body := io.Reader(r.Body)
	switch enc := r.Header.Get("Content-Encoding"); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			writeInfluxError(w, http.StatusBadRequest, "body is not gzip: "+err.Error(), nil, 0)
			return
		}
		defer zr.Close()
		body = zr
	default:
		writeInfluxError(w, http.StatusUnsupportedMediaType, fmt.Sprintf("Content-Encoding %q: send identity or gzip", enc), nil, 0)
		return
	}
	res, bad, err := s.LineProtocol(r.Context(), body, precision, time.Now())
	s.ingested.WithLabelValues("line-protocol").Add(float64(res.Samples))
	s.refused.WithLabelValues("line-protocol", "line").Add(float64(len(bad)))
	if err != nil {
		var ie *InputError
		if errors.As(err, &ie) {
			writeInfluxError(w, ie.Status, ie.Message, nil, 0)
			return
		}
		writeInfluxError(w, http.StatusInternalServerError, err.Error(), nil, 0)
		return
	}
	if len(bad) == 0 && res.Rejected.Total() == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	var parts []string
	for i, e := range bad {
		if i == 10 {
			parts = append(parts, fmt.Sprintf("and %d more", len(bad)-10))
			break
		}
		parts = append(parts, e.Error())
	}
	msg := fmt.Sprintf("partial write: %d lines dropped", len(bad))
	if len(parts) > 0 {
		msg += ": " + strings.Join(parts, "; ")
	}
	if n := res.Rejected.Total(); n > 0 {
		msg += fmt.Sprintf("; %d samples not stored (out of order or duplicate timestamps), the first: %v", n, res.Rejected.First)
	}
	writeInfluxError(w, http.StatusBadRequest, msg, bad, len(bad))
}

// writeInfluxError answers as both InfluxDB versions do: "error" for 1.x clients, "code" and
// "message" for 2.x ones; line_errors and dropped say which lines were left out.
func writeInfluxError(w http.ResponseWriter, status int, msg string, bad []*InputError, dropped int) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Influxdb-Error", msg)
	w.WriteHeader(status)
	code := "invalid"
	switch status {
	case http.StatusRequestEntityTooLarge:
		code = "request too large"
	case http.StatusInternalServerError:
		code = "internal error"
	case http.StatusUnsupportedMediaType:
		code = "unsupported media type"
	}
	var lines strings.Builder
	for i, e := range bad {
		if i > 0 {
			lines.WriteByte(',')
		}
		fmt.Fprintf(&lines, `{"line":%d,"message":%s}`, e.Line, jsonString(e.Message))
	}
	fmt.Fprintf(w, `{"code":%s,"message":%s,"error":%s,"line_errors":[%s],"dropped":%d}`,
		jsonString(code), jsonString(msg), jsonString(msg), lines.String(), dropped)
}

func writeInputError(w http.ResponseWriter, err error) {
	var ie *InputError
	if errors.As(err, &ie) {
		http.Error(w, ie.Error(), ie.Status)
		return
	}
	http.Error(w, err.Error(), http.StatusInternalServerError)
}
