// Package store keeps Plenum's inventory in SQL: one implementation serves SQLite (the default, one
// file in the data directory) and PostgreSQL (for several replicas sharing one database). The same
// SQL text runs on both; the few dialect differences live in the dialect type and the migration
// template. Every write is one transaction that checks the domain rules, writes the rows and the
// change-log entry together, or writes nothing.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/plenum-dcim/plenum/internal/dcim"
)

type dialect int

const (
	sqliteDialect dialect = iota
	postgresDialect
)

func (d dialect) String() string {
	if d == postgresDialect {
		return "postgres"
	}
	return "sqlite"
}

// lock is the row-locking suffix for reads inside a write transaction. SQLite transactions are
// opened IMMEDIATE, which already serializes writers; PostgreSQL needs the row lock so that two
// replicas placing devices in one rack at once cannot both pass the overlap check.
func (d dialect) lock() string {
	if d == postgresDialect {
		return " FOR UPDATE"
	}
	return ""
}

// Store is the inventory database.
type Store struct {
	db      *sql.DB
	dialect dialect
	now     func() time.Time
}

// SetClock replaces the store's clock (tests of expiry: tokens, sessions). now must return UTC.
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// Open opens the database named by url and applies pending migrations. url is a postgres:// (or
// postgresql://) URL, or sqlite:PATH for a SQLite file (created with its directory if missing).
func Open(ctx context.Context, url string) (*Store, error) {
	var (
		db  *sql.DB
		d   dialect
		err error
	)
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		d = postgresDialect
		db, err = sql.Open("pgx", url)
		if err == nil {
			db.SetMaxOpenConns(16)
			db.SetMaxIdleConns(16)
		}
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(url, "sqlite:")
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
		// mmap_size: reads go through a memory map instead of a read call per 4 KiB page, which makes a
		// deep page of a large list (OFFSET over 300,000 devices) three times faster.
		dsn := "file:" + path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
			"&_pragma=synchronous(NORMAL)&_pragma=mmap_size(1073741824)&_time_format=sqlite&_txlock=immediate"
		db, err = sql.Open("sqlite", dsn)
		if err == nil {
			db.SetMaxOpenConns(8)
			db.SetMaxIdleConns(8)
		}
	default:
		return nil, fmt.Errorf("database %q: want postgres://… or sqlite:PATH", redact(url))
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", d, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s database %s: %w", d, redact(url), err)
	}
	s := &Store{db: db, dialect: d, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// redact hides a password in a database URL for messages and logs.
func redact(url string) string {
	at := strings.LastIndex(url, "@")
	scheme := strings.Index(url, "://")
	if at < 0 || scheme < 0 {
		return url
	}
	creds := url[scheme+3 : at]
	if i := strings.Index(creds, ":"); i >= 0 {
		return url[:scheme+3] + creds[:i] + ":***" + url[at:]
	}
	return url
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Dialect names the engine: "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect.String() }

// DB exposes the handle for packages that keep their own tables in the same database.
func (s *Store) DB() *sql.DB { return s.db }

// tx is one write transaction with the clock and the actor of the change fixed at its start.
type tx struct {
	*sql.Tx
	s     *Store
	now   time.Time
	actor dcim.Actor
	types map[int64]*dcim.DeviceType // device types read in this transaction
	seen  map[string]bool            // references already found to exist, "table/id"

	// While a transaction only creates objects, what it has read of racks, rooms, rack contents and
	// reservations stays true but for what it adds itself; bulk placement keeps these up to date
	// instead of re-reading a rack for each device. Any update or delete drops them.
	objs     map[string]readObj  // objects read by mustGet, "table/id"
	contents map[int64]*rackLoad // rack id → its mounted devices and load
	resv     map[int64][]dcim.RackReservation
	pduNodes map[int64]*dcim.PowerNode // rack-PDU device id → its power node (nil: none)
	outlets  map[int64]outletInfo      // power outlets read, with the port plugged into each

	changes [][]any              // change-log rows not yet written
	stmts   map[string]*sql.Stmt // statements prepared in this transaction
}

// Bulk writes run the same few statements thousands of times in one transaction: on SQLite,
// preparing each once and reusing it is most of the speed of a large import. The statements die with
// the transaction. The PostgreSQL driver keeps its own per-connection statement cache, where an
// explicit prepare would only add a round trip.
func (t *tx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if t.s.dialect == postgresDialect {
		return nil, nil
	}
	if st, ok := t.stmts[query]; ok {
		return st, nil
	}
	st, err := t.Tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	t.stmts[query] = st
	return st, nil
}

// ExecContext runs a statement, prepared once per transaction.
func (t *tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if t.s.dialect == postgresDialect {
		return t.Tx.ExecContext(ctx, query, args...)
	}
	st, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// QueryContext runs a query, prepared once per transaction.
func (t *tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if t.s.dialect == postgresDialect {
		return t.Tx.QueryContext(ctx, query, args...)
	}
	st, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// QueryRowContext runs a one-row query, prepared once per transaction.
func (t *tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := t.stmt(ctx, query)
	if t.s.dialect == postgresDialect || err != nil {
		return t.Tx.QueryRowContext(ctx, query, args...) // reports the same error through Row.Scan
	}
	return st.QueryRowContext(ctx, args...)
}

// valuesList renders rows of arguments as the VALUES list of a multi-row INSERT, "(…), (…)", and
// returns the arguments flattened. SQLite gets anonymous "?" parameters: binding numbered ones costs
// a name lookup per parameter, which is quadratic in a statement of hundreds.
func (d dialect) valuesList(rows [][]any) (string, []any) {
	var b strings.Builder
	args := make([]any, 0, len(rows)*len(rows[0]))
	for i, row := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j, v := range row {
			if j > 0 {
				b.WriteString(", ")
			}
			args = append(args, v)
			if d == postgresDialect {
				b.WriteString("$" + strconv.Itoa(len(args)))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	return b.String(), args
}

// inList renders vals as a parenthesized list of numbered parameters after the first n, "($2, $3)",
// with the arguments to append.
func inList[T any](n int, vals []T) (string, []any) {
	var b strings.Builder
	args := make([]any, len(vals))
	b.WriteByte('(')
	for i, v := range vals {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(n+i+1))
		args[i] = v
	}
	b.WriteByte(')')
	return b.String(), args
}

// rackLoad is what a rack holds, as rackContents reads it.
type rackLoad struct {
	occ  []dcim.Occupant
	load float64
}

// readObj is an object read in a transaction, and whether it was read for update.
type readObj struct {
	v      any
	locked bool
}

// forget drops what the transaction remembers of the objects it read, before a write that could make
// it stale.
func (t *tx) forget() {
	t.objs, t.contents, t.resv, t.pduNodes, t.outlets = nil, nil, nil, nil, nil
}

// write runs fn in one transaction and commits only if fn succeeds.
func (s *Store) write(ctx context.Context, fn func(t *tx) error) error {
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer sqlTx.Rollback() //nolint:errcheck // after Commit this is a no-op
	t := &tx{Tx: sqlTx, s: s, now: s.now(), actor: dcim.ActorFrom(ctx)}
	if err := fn(t); err != nil {
		return translate(err)
	}
	if err := t.flushChanges(ctx); err != nil {
		return translate(err)
	}
	if err := sqlTx.Commit(); err != nil {
		return translate(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// translate turns constraint violations the checks did not catch first (a race between replicas)
// into domain conflicts, so that they reach the client as 409 rather than 500.
func translate(err error) error {
	if err == nil || dcim.AsError(err) != nil {
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return dcim.Errorf(dcim.EConflict, "an object with these values already exists (%s)", se.Error())
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return dcim.Errorf(dcim.EConflict, "the change would break a reference between objects (%s)", se.Error())
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return dcim.Errorf(dcim.EConflict, "an object with these values already exists (%s)", pe.Detail)
		case "23503":
			return dcim.Errorf(dcim.EConflict, "the change would break a reference between objects (%s)", pe.Detail)
		case "22021", "22P05": // character_not_in_repertoire, untranslatable_character
			return dcim.Errorf(dcim.EInvalid, "text holds a character the database cannot store (%s)", pe.Message)
		case "40001", "40P01":
			return dcim.Errorf(dcim.EConflict, "concurrent change, try again")
		}
	}
	return err
}
