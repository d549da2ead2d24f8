package main

import (
	"net/http"
	"net/http/pprof"
)

// servePprof serves Go's profiles on PPROF_LISTEN (loopback only, off by
// default) until the app closes: how issue 21's intake cost was found.
// Its own mux, so nothing is added to http.DefaultServeMux or the main
// server.
func (a *app) servePprof() (string, error) {
	if a.cfg.PprofListen == "" {
		return "", nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	return a.serveSide("PPROF_LISTEN", a.cfg.PprofListen, "pprof", "/debug/pprof/", mux)
}
