// Package testpeer starts real peer services (PostgreSQL, ...) on loopback for tests.
//
// One server per test binary, started on first use; each caller gets a fresh, empty database that
// is dropped when its test ends. Call StopAll from TestMain:
//
//	func TestMain(m *testing.M) { testpeer.Main(m) }
package testpeer

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
)

const pgBin = "/usr/lib/postgresql/15/bin"

const installHint = "PostgreSQL 15 is needed: run `make test-deps` (apt-get install postgresql-15)"

// postgresServer is the one PostgreSQL server of this test binary.
type postgresServer struct {
	once    sync.Once
	mu      sync.Mutex
	dir     string // data directory, removed by StopAll
	baseURL string // postgres://postgres@127.0.0.1:PORT
	err     error
	skip    bool
}

var pg postgresServer

// missing reports a peer that is not installed: a failure in CI, a skip elsewhere.
func missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s (CI=true: a missing peer is a failure)", msg)
	}
	tb.Skip(msg)
}

// Postgres returns the URL of a fresh, empty database, dropped when tb ends. PLENUM_TEST_POSTGRES
// names a server to use instead of starting one.
func Postgres(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv("PLENUM_TEST_POSTGRES")
	if base == "" {
		pg.once.Do(pg.start)
		if pg.skip {
			missing(tb, "%s: %v", installHint, pg.err)
		}
		if pg.err != nil {
			tb.Fatalf("start PostgreSQL: %v", pg.err)
		}
		base = pg.baseURL + "/postgres?sslmode=disable"
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := replaceDB(base, name)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

func replaceDB(base, name string) (string, error) {
	for i := len(base) - 1; i >= 0; i-- {
		if base[i] == '/' {
			q := ""
			for j := i; j < len(base); j++ {
				if base[j] == '?' {
					q = base[j:]
					break
				}
			}
			if q == "" {
				q = "?sslmode=disable"
			}
			return base[:i+1] + name + q, nil
		}
	}
	return "", fmt.Errorf("cannot find the database name in %q", base)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// asPostgres runs a PostgreSQL binary as the postgres user when we are root (initdb refuses root).
func asPostgres(name string, args ...string) *exec.Cmd {
	bin := filepath.Join(pgBin, name)
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", bin}, args...)...)
	}
	return exec.Command(bin, args...)
}

func (s *postgresServer) start() {
	if _, err := os.Stat(filepath.Join(pgBin, "initdb")); err != nil {
		s.skip, s.err = true, err
		return
	}
	dir, err := os.MkdirTemp("", "plenum-pg-")
	if err != nil {
		s.err = err
		return
	}
	s.dir = dir
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			s.skip, s.err = true, fmt.Errorf("no postgres user: %w", err)
			return
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			s.err = err
			return
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := asPostgres("initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync").CombinedOutput(); err != nil {
		s.err = fmt.Errorf("initdb: %v: %s", err, out)
		return
	}
	port, err := freePort()
	if err != nil {
		s.err = err
		return
	}
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
		port, dir)
	if out, err := asPostgres("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		s.err = fmt.Errorf("pg_ctl start: %v: %s\n%s", err, out, log)
		return
	}
	s.baseURL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d", port)
}

// StopAll stops the servers this test binary started and removes their files.
func StopAll() {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	if pg.dir == "" {
		return
	}
	_ = asPostgres("pg_ctl", "-D", filepath.Join(pg.dir, "data"), "-m", "immediate", "-w", "stop").Run()
	_ = os.RemoveAll(pg.dir)
	pg.dir = ""
}
