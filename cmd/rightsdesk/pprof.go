package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// servePprof serves Go's profiles on PPROF_LISTEN (loopback only, off by
// default) until the app closes: how issue 21's intake cost was found.
// Its own mux, so nothing is added to http.DefaultServeMux or the main
// server.
func (a *app) servePprof() (string, error) {
	if a.cfg.PprofListen == "" {
		return "", nil
	}
	ln, err := net.Listen("tcp", a.cfg.PprofListen)
	if err != nil {
		return "", fmt.Errorf("PPROF_LISTEN %s: %w", a.cfg.PprofListen, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("pprof listener", "err", err)
		}
	}()
	a.closers = append(a.closers, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	})
	addr := ln.Addr().String()
	a.log.Info("pprof", "addr", addr, "path", "/debug/pprof/")
	return addr, nil
}
