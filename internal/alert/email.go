package alert

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// TLS policies of an Email receiver.
const (
	// EmailTLSDefault requires STARTTLS, except to a loopback server (a local relay), where it is
	// used when offered, without checking the certificate.
	EmailTLSDefault  = ""
	EmailTLSRequire  = "require"       // STARTTLS required: a server that does not offer it is an error
	EmailTLSOptional = "opportunistic" // STARTTLS when offered, else plain text
	EmailTLSNever    = "never"         // plain text, even when STARTTLS is offered
	EmailTLSImplicit = "implicit"      // TLS from the first byte (smtps, port 465)
)

// Email sends each batch of alerts as one plain-text e-mail (UTF-8, quoted-printable) to To,
// through the SMTP server at Addr. The subject sums the batch up, as Alertmanager's does:
//
//	[FIRING:2] InletAboveAllowable (warning)
//	[FIRING:1, RESOLVED:1] InletAboveAllowable, MeterGap (critical, warning)
//	[RESOLVED] InletAboveAllowable (warning)
//
// and the body lists each alert: its state, name and severity, its annotations (summary and
// description first), value, since when it fired, when it ended, and its labels. What comes from
// rules and series (names, severities) reaches a header only on one line and RFC 2047-encoded, so
// a line break in a label cannot add a header or a recipient.
//
// A 5xx reply (a refused sender or message, failed authentication) is a PermanentError; a 4xx
// reply, a lost connection or a timeout is retried by the Notifier. A recipient refused with a 5xx
// does not stop the message reaching the others, but the batch then counts as failed, with the
// refusal as its error. An attempt ends when its context does, or after Timeout.
type Email struct {
	Addr string   // the SMTP server, host:port
	From string   // the sender: "plenum@example.com" or "Plenum <plenum@example.com>"
	To   []string // the recipients, addresses as in From
	// Username and Password, when Username is set, authenticate (AUTH PLAIN, or LOGIN where the
	// server offers only that). They are sent only over TLS, or to a loopback server.
	Username, Password string
	TLS                string        // one of the EmailTLS… policies; "" is EmailTLSDefault
	TLSConfig          *tls.Config   // nil: the system's roots; the server name is Addr's host unless set
	Hello              string        // the EHLO name; "": this host's name
	Timeout            time.Duration // of one attempt, at most; zero: a minute
}

var _ Receiver = (*Email)(nil)

const (
	smtpDialTimeout = 10 * time.Second
	smtpTimeout     = time.Minute
	subjectMax      = 200 // runes
)

// ParseEmail reads an e-mail receiver from a URL:
//
//	smtp://[USER[:PASSWORD]@]HOST[:PORT]?from=ADDR&to=ADDR[&to=ADDR…][&starttls=POLICY][&hello=NAME]
//	smtps://[USER[:PASSWORD]@]HOST[:PORT]?from=ADDR&to=ADDR…
//
// smtp:// uses port 25 unless one is given (587 for a submission server), and STARTTLS by POLICY:
// "require" (the default, except to a loopback host, where it is used when offered, its
// certificate unchecked),
// "opportunistic" or "never". smtps:// is TLS from the first byte, port 465 by default. Each to
// may hold several addresses separated by commas; addresses may have a display name
// ("Plenum <plenum@example.com>", percent-encoded). A "+" in a query value is a plus, not a
// space. password is used when the URL names a user without a password, so that it need not be
// on a command line.
func ParseEmail(rawURL, password string) (*Email, error) {
	e, err := parseEmail(rawURL, password)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", redact(rawURL), err)
	}
	return e, nil
}

func parseEmail(rawURL, password string) (*Email, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which may hold a password
		}
		return nil, fmt.Errorf("not a URL: %w", err)
	}
	e := &Email{}
	port := ""
	switch u.Scheme {
	case "smtp":
		port = "25"
	case "smtps":
		port, e.TLS = "465", EmailTLSImplicit
	default:
		return nil, fmt.Errorf("scheme %q: want smtp:// or smtps://", u.Scheme)
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return nil, errors.New("no server: want smtp://HOST[:PORT]?from=…&to=…")
	}
	if u.Path != "" && u.Path != "/" || u.Fragment != "" {
		return nil, errors.New("a path or fragment means nothing here")
	}
	if p := u.Port(); p != "" {
		port = p
	}
	e.Addr = net.JoinHostPort(u.Hostname(), port)
	if u.User != nil {
		e.Username = u.User.Username()
		pw, ok := u.User.Password()
		if !ok {
			pw = password
		}
		e.Password = pw
	}
	// url.ParseQuery would turn the "+" of noc+alerts@example.com into a space.
	for _, kv := range strings.Split(u.RawQuery, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if v, err = url.PathUnescape(v); err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		switch k {
		case "from":
			if e.From != "" {
				return nil, errors.New("from is given twice")
			}
			e.From = v
		case "to":
			list, err := mail.ParseAddressList(v)
			if err != nil {
				return nil, fmt.Errorf("to %q: %w", v, err)
			}
			for _, a := range list {
				e.To = append(e.To, formatAddress(a))
			}
		case "starttls":
			if u.Scheme == "smtps" {
				return nil, errors.New("starttls with smtps://: smtps is TLS from the start")
			}
			switch v {
			case EmailTLSRequire, EmailTLSOptional, EmailTLSNever:
				e.TLS = v
			default:
				return nil, fmt.Errorf("starttls %q: want require, opportunistic or never", v)
			}
		case "hello":
			e.Hello = v
		default:
			return nil, fmt.Errorf("unknown parameter %q (want from, to, starttls, hello)", k)
		}
	}
	if err := e.check(); err != nil {
		return nil, err
	}
	return e, nil
}

// check says what is wrong with e's configuration.
func (e *Email) check() error {
	host, port, err := net.SplitHostPort(e.Addr)
	if err != nil || host == "" || port == "" {
		return fmt.Errorf("server %q: want host:port", e.Addr)
	}
	if e.From == "" {
		return errors.New("no sender: from= is required")
	}
	if _, err := mail.ParseAddress(e.From); err != nil {
		return fmt.Errorf("from %q: %w", e.From, err)
	}
	if len(e.To) == 0 {
		return errors.New("no recipient: to= is required")
	}
	for _, to := range e.To {
		if _, err := mail.ParseAddress(to); err != nil {
			return fmt.Errorf("to %q: %w", to, err)
		}
	}
	switch e.TLS {
	case EmailTLSDefault, EmailTLSRequire, EmailTLSOptional, EmailTLSNever, EmailTLSImplicit:
	default:
		return fmt.Errorf("TLS policy %q", e.TLS)
	}
	if strings.ContainsAny(e.Hello, "\r\n ") {
		return fmt.Errorf("hello %q: one word", e.Hello)
	}
	if e.Username != "" {
		if e.Password == "" {
			return fmt.Errorf("user %q has no password", e.Username)
		}
		if !e.tlsSure() && !loopbackHost(host) {
			return fmt.Errorf("a password is sent only over TLS: starttls=%s to %s would send it in plain text (use STARTTLS, smtps://, or a loopback relay)", e.TLS, host)
		}
	}
	return nil
}

// tlsSure reports whether the session is always encrypted before any password is sent.
func (e *Email) tlsSure() bool {
	return e.TLS == EmailTLSRequire || e.TLS == EmailTLSImplicit || e.TLS == EmailTLSDefault && !loopbackHost(e.host())
}

func (e *Email) host() string {
	host, _, _ := net.SplitHostPort(e.Addr)
	return host
}

// loopbackHost reports whether host is this machine: "localhost" or a loopback address.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// formatAddress is an address as a header shows it: the bare address when it has no name.
func formatAddress(a *mail.Address) string {
	if a.Name == "" {
		return a.Address
	}
	return a.String()
}

// Name is "email ", the recipients' addresses, " via " and the server: never the password.
func (e *Email) Name() string {
	to := make([]string, len(e.To))
	for i, s := range e.To {
		to[i] = s
		if a, err := mail.ParseAddress(s); err == nil {
			to[i] = a.Address
		}
	}
	return "email " + strings.Join(to, ",") + " via " + e.Addr
}

// Send mails the firing and resolved alerts among alerts, in one message; it sends nothing when
// there are none.
func (e *Email) Send(ctx context.Context, alerts []Alert) error {
	var out []Alert
	for _, a := range alerts {
		if a.State == Firing || a.State == Resolved {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil
	}
	if err := e.check(); err != nil {
		return &PermanentError{fmt.Errorf("email: %w", err)}
	}
	msg, err := e.message(out, time.Now())
	if err != nil {
		return &PermanentError{err}
	}
	if err := e.deliver(ctx, msg); err != nil {
		if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
			err = fmt.Errorf("%w (%w)", err, ctx.Err())
		}
		return err
	}
	return nil
}

// deliver is one SMTP session that hands msg to the server for every recipient.
func (e *Email) deliver(ctx context.Context, msg []byte) error {
	host := e.host()
	fail := func(stage string, err error) error {
		err = fmt.Errorf("smtp %s: %s: %w", e.Addr, stage, err)
		var tp *textproto.Error
		if errors.As(err, &tp) && tp.Code >= 500 {
			return &PermanentError{err}
		}
		return err
	}
	tlsConfig := e.TLSConfig.Clone()
	if tlsConfig == nil {
		tlsConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = host
	}
	if e.TLS == EmailTLSDefault && loopbackHost(host) {
		// Nothing leaves the machine, and a local relay's certificate is often one it made itself
		// (Debian's Postfix's is): it must not stop the mail. starttls=require checks it.
		tlsConfig.InsecureSkipVerify = true
	}
	dialer := &net.Dialer{Timeout: smtpDialTimeout}
	var conn net.Conn
	var err error
	if e.TLS == EmailTLSImplicit {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: tlsConfig}).DialContext(ctx, "tcp", e.Addr)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", e.Addr)
	}
	if err != nil {
		return fail("connect", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(cmp.Or(e.Timeout, smtpTimeout)))
	// The end of ctx (its deadline included) unblocks whatever read or write is under way, the TLS
	// layer's too, since it reads and writes this conn; ctx.Err() is then set, for Send to report.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()

	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return fail("greeting", err)
	}
	defer c.Close()
	if err := c.Hello(e.helloName()); err != nil {
		return fail("EHLO", err)
	}
	secure := e.TLS == EmailTLSImplicit
	if e.TLS != EmailTLSImplicit && e.TLS != EmailTLSNever {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsConfig); err != nil {
				return fail("STARTTLS", err)
			}
			secure = true
		} else if e.TLS == EmailTLSRequire || e.TLS == EmailTLSDefault && !loopbackHost(host) {
			return &PermanentError{fmt.Errorf("smtp %s: the server does not offer STARTTLS, which is required (starttls=opportunistic allows plain text)", e.Addr)}
		}
	}
	if e.Username != "" {
		if !secure && !loopbackHost(host) { // check() already refuses this configuration
			return &PermanentError{fmt.Errorf("smtp %s: refusing to send the password without TLS", e.Addr)}
		}
		ok, mechs := c.Extension("AUTH")
		offered := strings.Fields(strings.ToUpper(mechs))
		var a smtp.Auth
		switch {
		case !ok:
			return &PermanentError{fmt.Errorf("smtp %s: the server offers no authentication (AUTH), but a user is configured", e.Addr)}
		case slices.Contains(offered, "PLAIN"):
			a = plainAuth{e.Username, e.Password}
		case slices.Contains(offered, "LOGIN"):
			a = &loginAuth{user: e.Username, password: e.Password}
		default:
			return &PermanentError{fmt.Errorf("smtp %s: the server offers AUTH %s; PLAIN or LOGIN is needed", e.Addr, mechs)}
		}
		if err := c.Auth(a); err != nil {
			return fail("AUTH", err)
		}
	}
	from, _ := mail.ParseAddress(e.From) // check() parsed it
	if err := c.Mail(from.Address); err != nil {
		return fail("MAIL FROM", err)
	}
	var refused []string
	for _, to := range e.To {
		a, _ := mail.ParseAddress(to)
		err := c.Rcpt(a.Address)
		if err == nil {
			continue
		}
		// A 5xx refuses this recipient for good; the others still get the message. RFC 5321
		// (4.5.3.1.10) has a 552 here treated as temporary: too many recipients.
		var tp *textproto.Error
		if errors.As(err, &tp) && tp.Code >= 500 && tp.Code != 552 {
			refused = append(refused, fmt.Sprintf("%s: %v", a.Address, err))
			continue
		}
		return fail("RCPT TO "+a.Address, err) // nothing sent yet: the whole batch is retried
	}
	if len(refused) == len(e.To) {
		return &PermanentError{fmt.Errorf("smtp %s: every recipient refused: %s", e.Addr, strings.Join(refused, "; "))}
	}
	w, err := c.Data()
	if err != nil {
		return fail("DATA", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fail("DATA", err)
	}
	if err := w.Close(); err != nil {
		return fail("end of DATA", err)
	}
	_ = c.Quit() // the message is the server's now: a failed goodbye changes nothing
	if len(refused) > 0 {
		return &PermanentError{fmt.Errorf("smtp %s: sent to %d of %d recipients; refused: %s",
			e.Addr, len(e.To)-len(refused), len(e.To), strings.Join(refused, "; "))}
	}
	return nil
}

// helloName is the name given in EHLO: Hello, else this host's name when it is a plain host name.
func (e *Email) helloName() string {
	if e.Hello != "" {
		return e.Hello
	}
	if h, err := os.Hostname(); err == nil && h != "" && strings.Trim(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == "" {
		return h
	}
	return "localhost"
}

// plainAuth is AUTH PLAIN (RFC 4616). Unlike net/smtp's, it leaves the TLS-or-loopback rule to
// Send, which knows every loopback address, not only 127.0.0.1 and ::1.
type plainAuth struct{ user, password string }

func (a plainAuth) Start(*smtp.ServerInfo) (string, []byte, error) {
	return "PLAIN", []byte("\x00" + a.user + "\x00" + a.password), nil
}

func (a plainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("unexpected challenge after AUTH PLAIN")
	}
	return nil, nil
}

// loginAuth is AUTH LOGIN, the only mechanism some servers (Microsoft 365's) offer with a password:
// the user name, then the password, each when asked.
type loginAuth struct {
	user, password string
	step           int
}

func (a *loginAuth) Start(*smtp.ServerInfo) (string, []byte, error) { return "LOGIN", nil, nil }

func (a *loginAuth) Next(_ []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	a.step++
	switch a.step {
	case 1:
		return []byte(a.user), nil
	case 2:
		return []byte(a.password), nil
	}
	return nil, errors.New("unexpected challenge after AUTH LOGIN")
}

// message is the whole e-mail for alerts (firing and resolved only), headers and body, with CRLF
// line ends.
func (e *Email) message(alerts []Alert, now time.Time) ([]byte, error) {
	alerts = slices.Clone(alerts)
	slices.SortStableFunc(alerts, func(a, b Alert) int {
		return cmp.Or(cmp.Compare(firingFirst(a.State), firingFirst(b.State)),
			cmp.Compare(severityRank(a.Severity), severityRank(b.Severity)), cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(labelText(a.Labels), labelText(b.Labels)))
	})
	from, err := mail.ParseAddress(e.From)
	if err != nil {
		return nil, fmt.Errorf("from %q: %w", e.From, err)
	}
	to := make([]string, 0, len(e.To))
	for _, s := range e.To {
		a, err := mail.ParseAddress(s)
		if err != nil {
			return nil, fmt.Errorf("to %q: %w", s, err)
		}
		to = append(to, formatAddress(a))
	}
	var id [12]byte
	_, _ = rand.Read(id[:])
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	if domain == "" || strings.ContainsFunc(domain, func(r rune) bool {
		return !(r < utf8.RuneSelf && (r == '.' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)))
	}) {
		domain = "plenum.invalid"
	}

	var b bytes.Buffer
	header := func(name, value string) {
		b.WriteString(foldHeader(name + ": " + value))
		b.WriteString("\r\n")
	}
	header("From", formatAddress(from))
	header("To", strings.Join(to, ", "))
	header("Subject", mime.QEncoding.Encode("utf-8", emailSubject(alerts)))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", "<"+hex.EncodeToString(id[:])+"."+strconv.FormatInt(now.UnixNano(), 36)+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Auto-Submitted", "auto-generated") // RFC 3834: no vacation replies to the NOC's robot
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(emailBody(alerts))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil { // the body ends with a line break
		return nil, err
	}
	return b.Bytes(), nil
}

func firingFirst(s string) int {
	if s == Firing {
		return 0
	}
	return 1
}

// emailSubject sums a batch up, the worst severity first: "[FIRING:2] A, B (critical, warning)", "[FIRING:1, RESOLVED:1] …",
// "[RESOLVED] …", on one line (control characters become spaces) and at most subjectMax runes.
func emailSubject(alerts []Alert) string {
	var firing, resolved int
	var names, severities []string
	for _, a := range alerts {
		if a.State == Firing {
			firing++
		} else {
			resolved++
		}
		if !slices.Contains(names, a.Rule) {
			names = append(names, a.Rule)
		}
		if a.Severity != "" && !slices.Contains(severities, a.Severity) {
			severities = append(severities, a.Severity)
		}
	}
	var s strings.Builder
	switch {
	case resolved == 0:
		fmt.Fprintf(&s, "[FIRING:%d] ", firing)
	case firing == 0:
		s.WriteString("[RESOLVED] ")
	default:
		fmt.Fprintf(&s, "[FIRING:%d, RESOLVED:%d] ", firing, resolved)
	}
	slices.SortStableFunc(severities, func(a, b string) int { return cmp.Compare(severityRank(a), severityRank(b)) })
	const shown = 3
	s.WriteString(strings.Join(names[:min(len(names), shown)], ", "))
	if len(names) > shown {
		fmt.Fprintf(&s, " and %d more", len(names)-shown)
	}
	if len(severities) > 0 {
		s.WriteString(" (" + strings.Join(severities, ", ") + ")")
	}
	out := oneLine(s.String())
	if utf8.RuneCountInString(out) > subjectMax {
		out = string([]rune(out)[:subjectMax-1]) + "…"
	}
	return out
}

// oneLine replaces control characters (line breaks above all) with spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// foldHeader breaks a header line at spaces so that its lines stay within 78 characters where it can
// (RFC 5322 2.2.3); unfolding gives the line back.
func foldHeader(line string) string {
	const limit = 78
	if len(line) <= limit {
		return line
	}
	var b strings.Builder
	n := 0
	for i, word := range strings.Split(line, " ") {
		if i > 0 {
			if n+1+len(word) > limit && n > 0 {
				b.WriteString("\r\n ")
				n = 1
			} else {
				b.WriteByte(' ')
				n++
			}
		}
		b.WriteString(word)
		n += len(word)
	}
	return b.String()
}

// emailBody is the text of a batch's message: a line on what it holds, then one block per alert.
func emailBody(alerts []Alert) string {
	var firing, resolved int
	for _, a := range alerts {
		if a.State == Firing {
			firing++
		} else {
			resolved++
		}
	}
	var b strings.Builder
	var parts []string
	if firing > 0 {
		parts = append(parts, countOf(firing, "alert")+" firing")
	}
	if resolved > 0 {
		parts = append(parts, countOf(resolved, "alert")+" resolved")
	}
	fmt.Fprintf(&b, "Plenum: %s.\n", strings.Join(parts, ", "))
	for _, a := range alerts {
		b.WriteString("\n")
		head := "[" + strings.ToUpper(a.State) + "] " + a.Rule
		if a.Severity != "" {
			head += " (" + a.Severity + ")"
		}
		if a.Flapping {
			head += ", flapping"
		}
		b.WriteString(oneLine(head) + "\n")
		field := func(name, value string) {
			// Continuation lines of a multi-line annotation line up under its first.
			value = strings.ReplaceAll(strings.ReplaceAll(value, "\r\n", "\n"), "\r", "\n")
			lines := strings.Split(value, "\n")
			for i, l := range lines {
				lines[i] = oneLine(l)
			}
			fmt.Fprintf(&b, "  %-13s %s\n", name+":", strings.Join(lines, "\n"+strings.Repeat(" ", 16)))
		}
		for _, k := range annotationOrder(a.Annotations) {
			name := k
			switch k {
			case "summary":
				name = "Summary"
			case "description":
				name = "Description"
			}
			field(name, a.Annotations[k])
		}
		if v := a.LastValue; !math.IsNaN(v) {
			field("Value", emailValue(v))
		}
		since := a.ActiveAt
		if a.FiredAt != nil {
			since = *a.FiredAt
		}
		field("Since", emailTime(since))
		if a.State == Resolved && a.ResolvedAt != nil {
			field("Ended", emailTime(*a.ResolvedAt))
		}
		field("Labels", labelText(a.Labels))
	}
	return b.String()
}

// annotationOrder is summary and description first, then the others by name.
func annotationOrder(m map[string]string) []string {
	keys := sortedKeys(m)
	first := func(k string) int {
		switch k {
		case "summary":
			return 0
		case "description":
			return 1
		}
		return 2
	}
	slices.SortStableFunc(keys, func(a, b string) int { return cmp.Compare(first(a), first(b)) })
	return keys
}

// labelText is labels as PromQL writes them, values quoted and escaped: rack="A01", site="DC1".
func labelText(labels map[string]string) string {
	parts := make([]string, 0, len(labels))
	for _, k := range sortedKeys(labels) {
		parts = append(parts, k+"="+strconv.Quote(labels[k]))
	}
	return strings.Join(parts, ", ")
}

// emailValue is v to six significant digits (a query's 29.483333333333334 is 29.4833), without
// an exponent up to the trillions.
func emailValue(v float64) string {
	if a := math.Abs(v); a >= 1e6 && a < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

func emailTime(t time.Time) string { return t.Format("2006-01-02 15:04:05 -07:00") }

func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
