package httpapi

import (
	"os"
	"testing"

	"github.com/plenum-dcim/plenum/internal/testpeer"
)

// TestMain stops the PostgreSQL server the engine tests started.
func TestMain(m *testing.M) {
	code := m.Run()
	testpeer.StopAll()
	os.Exit(code)
}
