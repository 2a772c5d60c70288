package testpeer

import (
	"os"
	"path/filepath"
	"testing"
)

// Engine is a database engine Plenum's store runs on, and how a test gets a fresh database on it.
type Engine struct {
	Name string
	URL  func(tb testing.TB) string // a store URL of a fresh, empty database that lives as long as tb
}

// Engines are the two engines every storage and API test runs on: SQLite (a file in the test's
// temporary directory) and PostgreSQL (a database on this binary's server).
func Engines() []Engine {
	return []Engine{
		{"sqlite", func(tb testing.TB) string { return "sqlite:" + filepath.Join(tb.TempDir(), "plenum.db") }},
		{"postgres", Postgres},
	}
}

// Main runs a test binary's tests, then stops the peers they started; call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	StopAll()
	os.Exit(code)
}
