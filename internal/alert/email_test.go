package alert

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"math"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plenum-dcim/plenum/internal/testpeer"
)

// myt is Malaysia's time, fixed so that the bodies below are exact.
var myt = time.FixedZone("MYT", 8*3600)

// inletAlert is an alert of InletAboveAllowable for rack, in state, with fixed times.
func inletAlert(rack, state string, value float64) Alert {
	labels := map[string]string{"alertname": "InletAboveAllowable", "site": "DC1", "rack": rack, "severity": "warning"}
	active := time.Date(2025, 6, 1, 14, 0, 0, 0, myt)
	fired := active.Add(5 * time.Minute)
	a := Alert{Fingerprint: fingerprint(labels), Rule: "InletAboveAllowable", Severity: "warning", Labels: labels,
		Annotations: map[string]string{"summary": rack + " inlet at " + strconv.FormatFloat(value, 'f', 1, 64) + " °C",
			"description": "Above ASHRAE A1's allowable 32 °C.\nCheck the blanking panels.", "runbook_url": "https://wiki.example/inlet"},
		State: state, ActiveAt: active, FiredAt: &fired, LastValue: value}
	if state == Resolved {
		ended := fired.Add(10 * time.Minute)
		a.ResolvedAt = &ended
	}
	return a
}

func transition(a Alert) Transition {
	from := Pending
	if a.State == Resolved {
		from = Firing
	}
	return Transition{Alert: a, From: from, To: a.State}
}

// emailTo is an Email receiver for srv (plain text: it is on loopback).
func emailTo(t *testing.T, srv *testpeer.SMTPServer, query string) *Email {
	t.Helper()
	e, err := ParseEmail("smtp://"+srv.Addr+"?"+query, "")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// readMail parses a message the peer got, as a mail client would: net/mail for the headers, the
// subject's encoded words decoded, the quoted-printable body decoded.
func readMail(t *testing.T, m testpeer.SMTPMessage) (h mail.Header, subject, body string) {
	t.Helper()
	for i, line := range strings.Split(string(m.Data), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line %d is %d characters: %q", i+1, len(line), line)
		}
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, line)
		}
	}
	if i := slices.IndexFunc(m.Data, func(b byte) bool { return b >= 0x80 }); i >= 0 {
		t.Errorf("an 8-bit byte at %d: the message should be 7-bit", i)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatalf("net/mail: %v\n%s", err, m.Data)
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Errorf("subject: %v", err)
	}
	if cte := msg.Header.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
		t.Fatalf("Content-Transfer-Encoding %q", cte)
	}
	b, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	return msg.Header, subject, strings.ReplaceAll(string(b), "\r\n", "\n")
}

const firingBody = `Plenum: 2 alerts firing.

[FIRING] InletAboveAllowable (warning)
  Summary:      A01 inlet at 36.2 °C
  Description:  Above ASHRAE A1's allowable 32 °C.
                Check the blanking panels.
  runbook_url:  https://wiki.example/inlet
  Value:        36.2
  Since:        2025-06-01 14:05:00 +08:00
  Labels:       alertname="InletAboveAllowable", rack="A01", severity="warning", site="DC1"

[FIRING] InletAboveAllowable (warning)
  Summary:      A02 inlet at 33.0 °C
  Description:  Above ASHRAE A1's allowable 32 °C.
                Check the blanking panels.
  runbook_url:  https://wiki.example/inlet
  Value:        33
  Since:        2025-06-01 14:05:00 +08:00
  Labels:       alertname="InletAboveAllowable", rack="A02", severity="warning", site="DC1"
`

const resolvedBody = `Plenum: 1 alert resolved.

[RESOLVED] InletAboveAllowable (warning)
  Summary:      A01 inlet at 36.2 °C
  Description:  Above ASHRAE A1's allowable 32 °C.
                Check the blanking panels.
  runbook_url:  https://wiki.example/inlet
  Value:        36.2
  Since:        2025-06-01 14:05:00 +08:00
  Ended:        2025-06-01 14:15:00 +08:00
  Labels:       alertname="InletAboveAllowable", rack="A01", severity="warning", site="DC1"
`

// TestEmailDelivered: through the Notifier to aiosmtpd, one message per batch, whose headers and
// body a mail client reads back as sent.
func TestEmailDelivered(t *testing.T) {
	srv := testpeer.SMTP(t, testpeer.SMTPOptions{})
	e := emailTo(t, srv, "from=Plenum%20%C3%9Cberwachung%20%3Cplenum@dc1.example.com%3E&to=noc@example.com,ops+alerts@example.com&to=Ah%20Kow%20<ahkow@example.com>")
	n := NewNotifier([]Receiver{e}, nil, nil)
	run(t, n)

	start := time.Now()
	n.Enqueue([]Transition{transition(inletAlert("A02", Firing, 33)), transition(inletAlert("A01", Firing, 36.2))})
	m := srv.Wait(t, 1)[0]
	if m.From != "plenum@dc1.example.com" || !slices.Equal(m.To, []string{"noc@example.com", "ops+alerts@example.com", "ahkow@example.com"}) || m.TLS || m.User != "" {
		t.Errorf("envelope: from %q to %q tls %v user %q", m.From, m.To, m.TLS, m.User)
	}
	h, subject, body := readMail(t, m)
	if subject != "[FIRING:2] InletAboveAllowable (warning)" {
		t.Errorf("subject %q", subject)
	}
	if from, err := h.AddressList("From"); err != nil || len(from) != 1 || from[0].Name != "Plenum Überwachung" || from[0].Address != "plenum@dc1.example.com" {
		t.Errorf("From %q: %v %v", h.Get("From"), from, err)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 3 || to[0].Address != "noc@example.com" || to[1].Address != "ops+alerts@example.com" || to[2].Name != "Ah Kow" {
		t.Errorf("To %q: %v %v", h.Get("To"), to, err)
	}
	if d, err := h.Date(); err != nil || d.Before(start.Add(-time.Second)) || d.After(time.Now().Add(time.Second)) {
		t.Errorf("Date %q: %v", h.Get("Date"), err)
	}
	if id := h.Get("Message-Id"); !regexp.MustCompile(`^<[0-9a-f]{24}\.[0-9a-z]+@dc1\.example\.com>$`).MatchString(id) {
		t.Errorf("Message-ID %q", id)
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "text/plain" || params["charset"] != "utf-8" || h.Get("MIME-Version") != "1.0" || h.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("headers: %v", h)
	}
	if body != firingBody {
		t.Errorf("body:\n%s\nwant:\n%s", body, firingBody)
	}

	n.Enqueue([]Transition{transition(inletAlert("A01", Resolved, 36.2))})
	ms := srv.Wait(t, 2)
	h2, subject, body := readMail(t, ms[1])
	if subject != "[RESOLVED] InletAboveAllowable (warning)" || body != resolvedBody {
		t.Errorf("resolved: %q\n%s\nwant:\n%s", subject, body, resolvedBody)
	}
	if h2.Get("Message-Id") == h.Get("Message-Id") {
		t.Error("two messages share a Message-ID")
	}
	time.Sleep(100 * time.Millisecond)
	if got := len(srv.Messages(t)); got != 2 {
		t.Errorf("%d messages, want 2 (one per batch)", got)
	}
	want := "email noc@example.com,ops+alerts@example.com,ahkow@example.com via " + srv.Addr
	if s, ok := n.Stats()[want]; !ok || s.Sent != 2 || s.Failed != 0 || s.Retries != 0 {
		t.Errorf("stats: %+v", n.Stats())
	}
}

// TestEmailSubjects: a batch's subject sums it up, on one line and in bounds.
func TestEmailSubjects(t *testing.T) {
	gap := inletAlert("M1", Resolved, 3)
	gap.Rule, gap.Severity = "MeterGap", "info"
	crit := inletAlert("A03", Firing, 41)
	crit.Rule, crit.Severity = "InletCritical", "critical"
	long := inletAlert("A04", Firing, 41)
	long.Rule = strings.Repeat("VeryLongRuleName", 20)
	for _, tc := range []struct {
		alerts []Alert
		want   string
	}{
		{[]Alert{inletAlert("A01", Firing, 33)}, "[FIRING:1] InletAboveAllowable (warning)"},
		{[]Alert{gap, inletAlert("A01", Firing, 33)}, "[FIRING:1, RESOLVED:1] InletAboveAllowable, MeterGap (warning, info)"},
		{[]Alert{gap}, "[RESOLVED] MeterGap (info)"},
		{[]Alert{inletAlert("A01", Firing, 33), crit, gap, {Rule: "Fourth", State: Firing}, {Rule: "Fifth", State: Firing}},
			"[FIRING:4, RESOLVED:1] InletCritical, InletAboveAllowable, Fifth and 2 more (critical, warning, info)"},
		{[]Alert{long}, "[FIRING:1] " + strings.Repeat("VeryLongRuleName", 20)[:199-len("[FIRING:1] ")] + "…"},
	} {
		msg, err := (&Email{From: "p@example.com", To: []string{"n@example.com"}}).message(tc.alerts, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		_, subject, _ := readMail(t, testpeer.SMTPMessage{Data: msg})
		if subject != tc.want {
			t.Errorf("subject %q,\n want %q", subject, tc.want)
		}
	}
}

func TestEmailValue(t *testing.T) {
	for v, want := range map[float64]string{29.483333333333334: "29.4833", 33: "33", 0.000012345678: "1.23457e-05",
		2.5e6: "2500000", 1234567.89: "1234568", -7: "-7", 3e20: "3e+20", math.Inf(1): "+Inf"} {
		if got := emailValue(v); got != want {
			t.Errorf("emailValue(%v) = %q, want %q", v, got, want)
		}
	}
}

// TestEmailHeaderInjection: line breaks in labels, severity and annotations never make a header
// or a recipient.
func TestEmailHeaderInjection(t *testing.T) {
	srv := testpeer.SMTP(t, testpeer.SMTPOptions{})
	e := emailTo(t, srv, "from=plenum@example.com&to=noc@example.com")
	a := inletAlert("A01\r\nX-Injected: yes\r\n\r\nfake body", Firing, 33)
	a.Severity = "warning\r\nBcc: evil@example.com"
	a.Rule = "InletHot\nCc: evil2@example.com"
	a.Annotations["summary"] = "hot\r\nSubject: spoofed\r\n."
	if err := e.Send(context.Background(), []Alert{a}); err != nil {
		t.Fatal(err)
	}
	m := srv.Wait(t, 1)[0]
	if !slices.Equal(m.To, []string{"noc@example.com"}) {
		t.Errorf("envelope recipients %q", m.To)
	}
	h, subject, body := readMail(t, m)
	var keys []string
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"Auto-Submitted", "Content-Transfer-Encoding", "Content-Type", "Date", "From", "Message-Id", "Mime-Version", "Subject", "To"}
	if !slices.Equal(keys, want) {
		t.Errorf("headers %q, want %q", keys, want)
	}
	if subject != "[FIRING:1] InletHot Cc: evil2@example.com (warning  Bcc: evil@example.com)" {
		t.Errorf("subject %q", subject)
	}
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, "X-Injected") || strings.HasPrefix(line, "Subject") || line == "." || strings.HasPrefix(line, "Cc") {
			t.Errorf("body line %q", line)
		}
	}
	if !strings.Contains(body, `rack="A01\r\nX-Injected: yes\r\n\r\nfake body"`) {
		t.Errorf("the label is not shown escaped:\n%s", body)
	}
}

// TestEmailRefused: a recipient refused with 550 is not retried; the others still get the message.
func TestEmailRefused(t *testing.T) {
	srv := testpeer.SMTP(t, testpeer.SMTPOptions{Reject: []string{"gone@example.com"}})
	only := emailTo(t, srv, "from=plenum@example.com&to=gone@example.com")
	some := emailTo(t, srv, "from=plenum@example.com&to=gone@example.com&to=noc@example.com")
	n := NewNotifier([]Receiver{only, some}, nil, nil)
	n.backoff, n.MaxAttempts = time.Millisecond, 5
	run(t, n)
	n.Enqueue([]Transition{transition(inletAlert("A01", Firing, 33))})
	m := srv.Wait(t, 1)[0]
	if !slices.Equal(m.To, []string{"noc@example.com"}) {
		t.Errorf("envelope recipients %q", m.To)
	}
	var st map[string]ReceiverStats
	deadline := time.Now().Add(10 * time.Second)
	for {
		st = n.Stats()
		if st[only.Name()].Failed+st[some.Name()].Failed == 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if s := st[only.Name()]; s.Failed != 1 || s.Retries != 0 || s.Sent != 0 || !strings.Contains(s.LastError, "550") ||
		!strings.Contains(s.LastError, "every recipient refused") {
		t.Errorf("only gone@: %+v", s)
	}
	if s := st[some.Name()]; s.Failed != 1 || s.Retries != 0 || !strings.Contains(s.LastError, "sent to 1 of 2") ||
		!strings.Contains(s.LastError, "gone@example.com") {
		t.Errorf("gone@ and noc@: %+v", s)
	}
	time.Sleep(50 * time.Millisecond)
	if got := len(srv.Messages(t)); got != 1 {
		t.Errorf("%d messages, want 1", got)
	}
}

// TestEmailRetried: a 451 at the end of DATA is retried, and the message is delivered once.
func TestEmailRetried(t *testing.T) {
	srv := testpeer.SMTP(t, testpeer.SMTPOptions{TempFail: 2})
	e := emailTo(t, srv, "from=plenum@example.com&to=noc@example.com")
	n := NewNotifier([]Receiver{e}, nil, nil)
	n.backoff = 20 * time.Millisecond
	run(t, n)
	n.Enqueue([]Transition{transition(inletAlert("A01", Firing, 33))})
	srv.Wait(t, 1)
	time.Sleep(100 * time.Millisecond)
	if got := len(srv.Messages(t)); got != 1 {
		t.Errorf("%d messages, want 1", got)
	}
	if s := n.Stats()[e.Name()]; s.Sent != 1 || s.Retries != 2 || s.Failed != 0 || !strings.Contains(s.LastError, "451") {
		t.Errorf("stats: %+v", s)
	}
}

// TestEmailServerDown: while nothing listens the batch is retried; it goes once the server is up.
func TestEmailServerDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	e, err := ParseEmail("smtp://127.0.0.1:"+strconv.Itoa(port)+"?from=plenum@example.com&to=noc@example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	n := NewNotifier([]Receiver{e}, nil, nil)
	n.backoff, n.maxBackoff, n.MaxAttempts = 20*time.Millisecond, 100*time.Millisecond, 1000
	run(t, n)
	n.Enqueue([]Transition{transition(inletAlert("A01", Firing, 33))})
	deadline := time.Now().Add(10 * time.Second)
	for n.Stats()[e.Name()].Retries < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("not retried: %+v", n.Stats())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if s := n.Stats()[e.Name()]; s.Sent != 0 || s.Failed != 0 || !strings.Contains(s.LastError, "connect") {
		t.Errorf("while down: %+v", s)
	}
	srv := testpeer.SMTP(t, testpeer.SMTPOptions{Port: port})
	_, subject, _ := readMail(t, srv.Wait(t, 1)[0])
	if subject != "[FIRING:1] InletAboveAllowable (warning)" {
		t.Errorf("subject %q", subject)
	}
	deadline = time.Now().Add(5 * time.Second)
	for n.Stats()[e.Name()].Sent != 1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if s := n.Stats()[e.Name()]; s.Sent != 1 || s.Failed != 0 {
		t.Errorf("once up: %+v", s)
	}
}

// TestEmailTLSAndAuth: STARTTLS and AUTH (PLAIN, or LOGIN where only that is offered), implicit
// TLS, a wrong password and an untrusted certificate.
func TestEmailTLSAndAuth(t *testing.T) {
	users := map[string]string{"plenum": "s3cret pass"}
	starttls := testpeer.SMTP(t, testpeer.SMTPOptions{TLS: "starttls", RequireTLS: true, Users: users})
	loginOnly := testpeer.SMTP(t, testpeer.SMTPOptions{TLS: "starttls", RequireTLS: true, Users: users, AuthExclude: []string{"PLAIN"}})
	implicit := testpeer.SMTP(t, testpeer.SMTPOptions{TLS: "implicit", Users: users})
	plain := testpeer.SMTP(t, testpeer.SMTPOptions{Users: users})
	const q = "?from=plenum@example.com&to=noc@example.com"
	for _, tc := range []struct {
		name, url string
		srv       *testpeer.SMTPServer
		tls       bool
	}{
		{"starttls plain", "smtp://plenum@" + starttls.Addr + q + "&starttls=require", starttls, true},
		{"starttls login", "smtp://plenum@" + loginOnly.Addr + q, loginOnly, true}, // loopback: STARTTLS when offered
		{"implicit", "smtps://plenum@" + implicit.Addr + q, implicit, true},
		{"loopback plain text", "smtp://plenum@" + plain.Addr + q, plain, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, err := ParseEmail(tc.url, "s3cret pass") // the password from elsewhere than the URL
			if err != nil {
				t.Fatal(err)
			}
			e.TLSConfig = &tls.Config{RootCAs: tc.srv.Roots}
			if err := e.Send(context.Background(), []Alert{inletAlert("A01", Firing, 33)}); err != nil {
				t.Fatal(err)
			}
			m := tc.srv.Wait(t, 1)[0]
			if m.TLS != tc.tls || m.User != "plenum" || !slices.Equal(m.To, []string{"noc@example.com"}) {
				t.Errorf("tls %v user %q to %q", m.TLS, m.User, m.To)
			}
			if _, subject, _ := readMail(t, m); subject != "[FIRING:1] InletAboveAllowable (warning)" {
				t.Errorf("subject %q", subject)
			}

			e.Password = "wrong"
			err = e.Send(context.Background(), []Alert{inletAlert("A01", Firing, 33)})
			var perm *PermanentError
			if !errors.As(err, &perm) || !strings.Contains(err.Error(), "535") || strings.Contains(err.Error(), "wrong") {
				t.Errorf("wrong password: %v", err)
			}
			if got := len(tc.srv.Messages(t)); got != 1 {
				t.Errorf("%d messages, want 1", got)
			}
		})
	}

	before := len(starttls.Messages(t))
	e, err := ParseEmail("smtp://plenum:s3cret%20pass@"+starttls.Addr+q+"&starttls=require", "")
	if err != nil {
		t.Fatal(err)
	}
	err = e.Send(context.Background(), []Alert{inletAlert("A01", Firing, 33)}) // the system's roots
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted certificate: %v", err)
	}
	if got := len(starttls.Messages(t)); got != before {
		t.Errorf("delivered despite an untrusted certificate")
	}
	// To a loopback relay, by default, the certificate is not checked: nothing leaves the machine.
	e.TLS = EmailTLSDefault
	if err := e.Send(context.Background(), []Alert{inletAlert("A01", Firing, 33)}); err != nil {
		t.Fatalf("default policy to loopback: %v", err)
	}
	if ms := starttls.Wait(t, before+1); !ms[before].TLS || ms[before].User != "plenum" {
		t.Errorf("default policy to loopback: tls %v user %q", ms[before].TLS, ms[before].User)
	}
}

// TestEmailSTARTTLSRequired: a server that does not offer STARTTLS gets nothing when it is required.
func TestEmailSTARTTLSRequired(t *testing.T) {
	srv := testpeer.SMTP(t, testpeer.SMTPOptions{})
	e := emailTo(t, srv, "from=plenum@example.com&to=noc@example.com&starttls=require")
	err := e.Send(context.Background(), []Alert{inletAlert("A01", Firing, 33)})
	var perm *PermanentError
	if !errors.As(err, &perm) || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("err %v", err)
	}
	time.Sleep(50 * time.Millisecond)
	if got := len(srv.Messages(t)); got != 0 {
		t.Errorf("%d messages", got)
	}
}

// TestEmailTimeout: a server that accepts and never answers holds an attempt only until its
// context ends, and the failure is retried (not permanent).
func TestEmailTimeout(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c) // silent
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	e, err := ParseEmail("smtp://"+l.Addr().String()+"?from=plenum@example.com&to=noc@example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = e.Send(ctx, []Alert{inletAlert("A01", Firing, 33)})
	var perm *PermanentError
	if err == nil || errors.As(err, &perm) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("returned after %v", d)
	}
}

// TestEmailURL: what ParseEmail takes and what it refuses; no error shows the password.
func TestEmailURL(t *testing.T) {
	for _, tc := range []struct {
		url, password string
		want          *Email
		err           string
	}{
		{url: "smtp://relay.example.com?from=plenum@example.com&to=noc@example.com",
			want: &Email{Addr: "relay.example.com:25", From: "plenum@example.com", To: []string{"noc@example.com"}}},
		{url: "smtp://alerts%40example.com:hunter2@smtp.example.com:587?from=Plenum%20<plenum@example.com>&to=noc+dc1@example.com,%22NOC%20Duty%22%20<duty@example.com>&to=ops@example.com&hello=plenum1.example.com",
			want: &Email{Addr: "smtp.example.com:587", From: "Plenum <plenum@example.com>",
				To:       []string{"noc+dc1@example.com", `"NOC Duty" <duty@example.com>`, "ops@example.com"},
				Username: "alerts@example.com", Password: "hunter2", Hello: "plenum1.example.com"}},
		{url: "smtp://alerts@smtp.example.com:587?from=plenum@example.com&to=noc@example.com", password: "hunter2",
			want: &Email{Addr: "smtp.example.com:587", From: "plenum@example.com", To: []string{"noc@example.com"}, Username: "alerts", Password: "hunter2"}},
		{url: "smtps://a:hunter2@smtp.example.com?from=plenum@example.com&to=noc@example.com",
			want: &Email{Addr: "smtp.example.com:465", From: "plenum@example.com", To: []string{"noc@example.com"}, Username: "a", Password: "hunter2", TLS: EmailTLSImplicit}},
		{url: "smtp://[::1]:2525?from=plenum@example.com&to=noc@example.com&starttls=never",
			want: &Email{Addr: "[::1]:2525", From: "plenum@example.com", To: []string{"noc@example.com"}, TLS: EmailTLSNever}},
		{url: "smtp://a:hunter2@localhost?from=plenum@example.com&to=noc@example.com&starttls=opportunistic",
			want: &Email{Addr: "localhost:25", From: "plenum@example.com", To: []string{"noc@example.com"}, Username: "a", Password: "hunter2", TLS: EmailTLSOptional}},

		{url: "http://relay.example.com?from=plenum@example.com&to=noc@example.com", err: `scheme "http"`},
		{url: "smtp://a:hunter2@relay.example.com:bad?from=p@example.com&to=n@example.com", err: "not a URL"},
		{url: "smtp://?from=plenum@example.com&to=noc@example.com", err: "no server"},
		{url: "smtp://relay.example.com/x?from=plenum@example.com&to=noc@example.com", err: "path"},
		{url: "smtp://relay.example.com?to=noc@example.com", err: "no sender"},
		{url: "smtp://relay.example.com?from=plenum@example.com", err: "no recipient"},
		{url: "smtp://relay.example.com?from=plenum&to=noc@example.com", err: `from "plenum"`},
		{url: "smtp://relay.example.com?from=p@example.com&from=q@example.com&to=noc@example.com", err: "twice"},
		{url: "smtp://relay.example.com?from=p@example.com&to=noc@example.com%0D%0ABcc:%20evil@example.com", err: "to "},
		{url: "smtp://relay.example.com?from=p@example.com&to=noc@example.com&tos=x@example.com", err: `unknown parameter "tos"`},
		{url: "smtp://relay.example.com?from=p@example.com&to=noc@example.com&starttls=yes", err: `starttls "yes"`},
		{url: "smtps://relay.example.com?from=p@example.com&to=noc@example.com&starttls=require", err: "smtps is TLS"},
		{url: "smtp://relay.example.com?from=p@example.com&to=noc@example.com&hello=a%0D%0AMAIL", err: "hello"},
		{url: "smtp://a@relay.example.com?from=p@example.com&to=noc@example.com", err: `user "a" has no password`},
		{url: "smtp://a:hunter2@relay.example.com?from=p@example.com&to=noc@example.com&starttls=opportunistic", err: "a password is sent only over TLS"},
		{url: "smtp://a:hunter2@relay.example.com?from=p@example.com&to=noc@example.com&starttls=never", err: "a password is sent only over TLS"},
	} {
		got, err := ParseEmail(tc.url, tc.password)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "hunter2") {
				t.Errorf("%s: err %v, want %q (and no password)", tc.url, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.url, got, tc.want)
		}
		if strings.Contains(got.Name(), "hunter2") {
			t.Errorf("name %q shows the password", got.Name())
		}
	}
}
