package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"rightsdesk/metrics"
)

// newMetrics builds the Prometheus metrics when METRICS_LISTEN or
// METRICS_TOKEN asks for them (issue 22); nil otherwise.
func (a *app) newMetrics() *metrics.Metrics {
	if !a.cfg.Metrics() {
		return nil
	}
	o := metrics.Options{Pool: a.pool, Logger: a.log, Version: version}
	if a.cluster != nil {
		o.Restarts = a.cluster.Restarts
		o.DataDir = a.cluster.DataDir()
	}
	if a.cfg.SMTPListenTLSCert != "" {
		o.Certs = map[string]string{"smtp": a.cfg.SMTPListenTLSCert}
	}
	return metrics.New(o)
}

// serveMetrics serves /metrics alone on METRICS_LISTEN until the app
// closes. It says where in the log; the address is returned (port 0 picks
// one).
func (a *app) serveMetrics(m *metrics.Metrics) (string, error) {
	if m == nil || a.cfg.MetricsListen == "" {
		return "", nil
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	return a.serveSide("METRICS_LISTEN", a.cfg.MetricsListen, "metrics", "/metrics", mux)
}

// serveSide serves mux on its own listener at addr (a side listener:
// metrics, profiles) until the app closes, and logs where; the address is
// returned (port 0 picks one). setting names the variable in errors.
func (a *app) serveSide(setting, addr, name, path string, mux *http.ServeMux) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("%s %s: %w", setting, addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error(name+" listener", "err", err)
		}
	}()
	a.closers = append(a.closers, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	})
	bound := ln.Addr().String()
	a.log.Info(name, "addr", bound, "path", path)
	return bound, nil
}
