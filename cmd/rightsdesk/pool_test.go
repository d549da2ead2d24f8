package main

import (
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/pgtest"
)

// The application's pools run without JIT (docs/scale.md 14.4: compiling
// took longer than the dashboard's statements run at 1M), unless the
// database URL asks for it.
func TestConnectPoolTurnsJITOff(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewDatabase(t)
	for _, c := range []struct{ dsn, want string }{{dsn, "off"}, {dsn + " jit=on", "on"}} {
		pcfg, err := pgxpool.ParseConfig(c.dsn)
		if err != nil {
			t.Fatal(err)
		}
		pool, err := connectPool(t.Context(), pcfg)
		if err != nil {
			t.Fatal(err)
		}
		var jit string
		err = pool.QueryRow(t.Context(), `SHOW jit`).Scan(&jit)
		pool.Close()
		if err != nil {
			t.Fatal(err)
		}
		if jit != c.want {
			t.Errorf("jit = %s with %q, want %s", jit, c.dsn, c.want)
		}
	}
}
