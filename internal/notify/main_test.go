package notify_test

import (
	"testing"

	"rollout/internal/database/dbtest"
)

// TestMain stops the throwaway PostgreSQL after the package's tests.
func TestMain(m *testing.M) { dbtest.Main(m) }
