package main

import (
	"io"
	"log/slog"
	"math"
	"runtime/debug"
	"testing"

	"rightsdesk/internal/config"
)

// Issue 21 (docs/scale.md 19): serve collects at GOGC 300 under its soft
// memory limit unless the environment sets GOGC or GOMEMLIMIT, which win.
func TestServeGCSettings(t *testing.T) {
	oldPct := debug.SetGCPercent(100)
	oldLimit := debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetGCPercent(oldPct); debug.SetMemoryLimit(oldLimit) })
	a := &app{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	cfg := config.Config{HashMemoryMiB: 72}
	for _, tc := range []struct {
		env       map[string]string
		pct       int
		limitMiB  int64
		limitKept bool
	}{
		{env: nil, pct: serveGCPercent, limitMiB: 72 + serveRestMiB},
		{env: map[string]string{"GOGC": "150"}, pct: 100, limitMiB: 72 + serveRestMiB},
		{env: map[string]string{"GOMEMLIMIT": "1GiB"}, pct: serveGCPercent, limitKept: true},
	} {
		debug.SetGCPercent(100)
		debug.SetMemoryLimit(math.MaxInt64)
		setMemoryLimit(cfg, &Env{Getenv: func(k string) string { return tc.env[k] }}, a)
		if got := debug.SetGCPercent(100); got != tc.pct {
			t.Errorf("env %v: GC percent %d, want %d", tc.env, got, tc.pct)
		}
		got := debug.SetMemoryLimit(-1)
		if tc.limitKept && got != math.MaxInt64 {
			t.Errorf("env %v: memory limit %d, want the runtime's own (GOMEMLIMIT)", tc.env, got)
		}
		if !tc.limitKept && got != tc.limitMiB<<20 {
			t.Errorf("env %v: memory limit %d MiB, want %d", tc.env, got>>20, tc.limitMiB)
		}
	}
}
