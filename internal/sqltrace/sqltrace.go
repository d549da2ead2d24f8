// Package sqltrace records the statements a pgx pool runs, for the scale
// measures that EXPLAIN what a page asked (issue 21).
package sqltrace

import (
	"context"
	"sync"

	"github.com/jackc/pgx/v5"
)

// Statement is one recorded statement with its arguments.
type Statement struct {
	SQL  string
	Args []any
}

// Recorder is a pgx.QueryTracer that keeps the statements run between
// Reset and Taken.
type Recorder struct {
	mu  sync.Mutex
	on  bool
	got []Statement
}

// TraceQueryStart records the statement while recording is on.
func (r *Recorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	r.mu.Lock()
	if r.on {
		r.got = append(r.got, Statement{d.SQL, d.Args})
	}
	r.mu.Unlock()
	return ctx
}

// TraceQueryEnd does nothing.
func (r *Recorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// Reset forgets what was recorded and starts recording.
func (r *Recorder) Reset() {
	r.mu.Lock()
	r.on, r.got = true, nil
	r.mu.Unlock()
}

// Taken stops recording and returns what was recorded since Reset.
func (r *Recorder) Taken() []Statement {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.on = false
	return r.got
}
