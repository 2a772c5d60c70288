package testpeer

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

const smtpHint = "aiosmtpd 1.4 is needed: run `make test-deps` (apt-get install python3-aiosmtpd)"

// smtpServer is an aiosmtpd server that writes each message it accepts to DIR/NNNNNN.json, and
// refuses or defers what its configuration says.
const smtpServer = `import sys, json, os, ssl, threading, base64
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
cfg = json.load(open(sys.argv[1]))
reject = {a.lower() for a in cfg.get("reject") or []}
users = cfg.get("users") or {}
lock = threading.Lock()
state = {"stored": 0, "tempfail": cfg.get("tempfail", 0)}
class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in reject:
            return "550 5.1.1 <%s>: recipient rejected" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"
    async def handle_DATA(self, server, session, envelope):
        with lock:
            if state["tempfail"] > 0:
                state["tempfail"] -= 1
                return "451 4.3.0 try again later"
            state["stored"] += 1
            n = state["stored"]
        auth = session.auth_data if session.authenticated else None
        msg = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
               "data": base64.b64encode(envelope.original_content).decode(), "tls": server.transport.get_extra_info("ssl_object") is not None,
               "user": auth.login.decode() if isinstance(auth, LoginPassword) else ""}
        path = os.path.join(cfg["dir"], "%06d.json" % n)
        with open(path + ".tmp", "w") as f:
            json.dump(msg, f)
        os.rename(path + ".tmp", path)
        return "250 2.0.0 OK stored"
def authenticator(server, session, envelope, mechanism, data):
    ok = isinstance(data, LoginPassword) and users.get(data.login.decode()) == data.password.decode()
    return AuthResult(success=True, auth_data=data) if ok else AuthResult(success=False, handled=False)
kw = {}
if cfg.get("cert"):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cfg["cert"], cfg["key"])
    if cfg["tls"] == "implicit":
        kw["ssl_context"] = ctx
    else:
        kw.update(tls_context=ctx, require_starttls=cfg.get("require_tls", False))
if users:
    # aiosmtpd 1.4 counts only STARTTLS as TLS: with implicit TLS it would never offer AUTH.
    kw.update(authenticator=authenticator, auth_require_tls=cfg["tls"] == "starttls",
              auth_exclude_mechanism=cfg.get("auth_exclude") or [])
c = Controller(Handler(), hostname="127.0.0.1", port=cfg["port"], **kw)
c.start()
print("listening", flush=True)
threading.Event().wait()
`

// SMTPOptions shape an SMTP peer.
type SMTPOptions struct {
	Port     int      // 0: a free port
	Reject   []string // recipients answered 550 at RCPT
	TempFail int      // the first TempFail messages are answered 451 at the end of DATA (not stored)
	// TLS: "" plain; "starttls": STARTTLS offered with a fresh certificate for 127.0.0.1 and
	// localhost; "implicit": TLS from the first byte (smtps, port 465 style).
	TLS         string
	RequireTLS  bool              // with "starttls": commands other than EHLO, STARTTLS, QUIT are refused (530) before it
	Users       map[string]string // AUTH PLAIN and LOGIN with these users and passwords; over TLS only when TLS is on
	AuthExclude []string          // mechanisms not offered ("PLAIN" leaves LOGIN)
}

// SMTPServer is a running SMTP peer.
type SMTPServer struct {
	Addr  string         // 127.0.0.1:PORT
	Roots *x509.CertPool // trusts its certificate, when TLS is on
	dir   string
}

// SMTPMessage is a message the peer accepted.
type SMTPMessage struct {
	From string   `json:"mail_from"` // the envelope's MAIL FROM
	To   []string `json:"rcpt_tos"`  // the envelope's accepted recipients
	Data []byte   `json:"data"`      // the message as sent, headers and body, CRLF line ends
	TLS  bool     `json:"tls"`       // it came over TLS (STARTTLS or implicit)
	User string   `json:"user"`      // who authenticated, "" if no one
}

// SMTP starts Debian's aiosmtpd (1.4) as an SMTP server shaped by opts, on a loopback port of its
// own (opts.Port when set), storing the messages it accepts where Messages reads them. It is
// stopped when tb ends. Outside CI a missing aiosmtpd skips the test, saying how to install it.
func SMTP(tb testing.TB, opts SMTPOptions) *SMTPServer {
	tb.Helper()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import aiosmtpd.controller").Run(); err != nil {
		missing(tb, "%s: %v", smtpHint, err)
	}
	dir := tb.TempDir()
	s := &SMTPServer{dir: filepath.Join(dir, "mail")}
	if err := os.Mkdir(s.dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	port := opts.Port
	if port == 0 {
		var err error
		if port, err = freePort(); err != nil {
			tb.Fatal(err)
		}
	}
	cfg := map[string]any{"port": port, "dir": s.dir, "reject": opts.Reject, "tempfail": opts.TempFail,
		"tls": opts.TLS, "require_tls": opts.RequireTLS, "users": opts.Users,
		"auth_exclude": opts.AuthExclude}
	if opts.TLS != "" {
		cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
		s.Roots = selfSigned(tb, cert, key)
		cfg["cert"], cfg["key"] = cert, key
	}
	script, conf := filepath.Join(dir, "server.py"), filepath.Join(dir, "config.json")
	b, err := json.Marshal(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(conf, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(script, []byte(smtpServer), 0o644); err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(py, script, conf)
	out, _ := cmd.StdoutPipe()
	var logs lockedBuffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start aiosmtpd: %v", err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	// Controller.start returns once the server has answered a connection of its own.
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "listening\n" {
		tb.Fatalf("aiosmtpd: %q\n%s", line, logs.String())
	}
	s.Addr = fmt.Sprintf("127.0.0.1:%d", port)
	return s
}

// Messages returns the messages accepted so far, in the order they were.
func (s *SMTPServer) Messages(tb testing.TB) []SMTPMessage {
	tb.Helper()
	names, err := filepath.Glob(filepath.Join(s.dir, "*.json"))
	if err != nil {
		tb.Fatal(err)
	}
	slices.Sort(names)
	out := make([]SMTPMessage, 0, len(names))
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		var m SMTPMessage
		if err := json.Unmarshal(b, &m); err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		out = append(out, m)
	}
	return out
}

// Wait returns the messages accepted once there are at least n, failing tb after 10 s.
func (s *SMTPServer) Wait(tb testing.TB, n int) []SMTPMessage {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ms := s.Messages(tb)
		if len(ms) >= n {
			return ms
		}
		if time.Now().After(deadline) {
			tb.Fatalf("SMTP peer: %d messages after 10 s, want %d", len(ms), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// selfSigned writes a fresh self-signed certificate for 127.0.0.1 and localhost, and its key, as
// PEM, and returns a pool that trusts it.
func selfSigned(tb testing.TB, certFile, keyFile string) *x509.CertPool {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "plenum test peer"},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		tb.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}), 0o600); err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(certPEM) {
		tb.Fatal("self-signed certificate does not parse")
	}
	return pool
}
