package store_test

import (
	"testing"

	"rightsdesk/internal/pgtest"
)

// TestMain gives the package one throwaway PostgreSQL cluster.
func TestMain(m *testing.M) { pgtest.Main(m) }
