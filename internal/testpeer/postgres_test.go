package testpeer

import (
	"context"
	"database/sql"
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	StopAll()
	os.Exit(code)
}

func TestPostgresDatabasesAreSeparate(t *testing.T) {
	ctx := context.Background()
	a, b := Postgres(t), Postgres(t)
	if a == b {
		t.Fatalf("same URL twice: %s", a)
	}
	dbA, err := sql.Open("pgx", a)
	if err != nil {
		t.Fatal(err)
	}
	defer dbA.Close()
	dbB, err := sql.Open("pgx", b)
	if err != nil {
		t.Fatal(err)
	}
	defer dbB.Close()
	if _, err := dbA.ExecContext(ctx, "CREATE TABLE only_in_a (x int)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := dbA.QueryRowContext(ctx, "SELECT COUNT(*) FROM pg_tables WHERE tablename = 'only_in_a'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("in a: %d %v", n, err)
	}
	if err := dbB.QueryRowContext(ctx, "SELECT COUNT(*) FROM pg_tables WHERE tablename = 'only_in_a'").Scan(&n); err != nil || n != 0 {
		t.Fatalf("in b: %d %v", n, err)
	}
	var version string
	if err := dbB.QueryRowContext(ctx, "SHOW server_version").Scan(&version); err != nil || version[:2] != "15" {
		t.Fatalf("server version %q %v", version, err)
	}
}
