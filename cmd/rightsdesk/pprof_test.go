package main

import (
	"io"
	"log/slog"
	"net/http"
	"testing"

	"rightsdesk/internal/config"
)

// Issue 21: PPROF_LISTEN serves Go's profiles on its own listener, which
// the app's close stops; without it nothing listens.
func TestPprofListenerServesProfilesUntilClose(t *testing.T) {
	t.Parallel()
	off := &app{log: slog.New(slog.DiscardHandler)}
	if addr, err := off.servePprof(); err != nil || addr != "" || len(off.closers) != 0 {
		t.Fatalf("PPROF_LISTEN unset: addr %q, err %v, closers %d", addr, err, len(off.closers))
	}
	a := &app{cfg: config.Config{PprofListen: "127.0.0.1:0"}, log: slog.New(slog.DiscardHandler)}
	addr, err := a.servePprof()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(body) == 0 {
		t.Fatalf("cmdline: status %d, %d bytes", resp.StatusCode, len(body))
	}
	a.close()
	if _, err := http.Get("http://" + addr + "/debug/pprof/"); err == nil {
		t.Fatal("pprof still served after close")
	}
}
