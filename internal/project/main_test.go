package project

import (
	"testing"

	"rollout/internal/database/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }
