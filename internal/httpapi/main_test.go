package httpapi

import (
	"testing"

	"github.com/plenum-dcim/plenum/internal/testpeer"
)

// TestMain stops the PostgreSQL server the engine tests started.
func TestMain(m *testing.M) { testpeer.Main(m) }
