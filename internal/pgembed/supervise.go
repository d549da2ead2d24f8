package pgembed

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// SuperviseOptions bounds the restarts of Supervise.
type SuperviseOptions struct {
	// MinBackoff is the wait before the first restart attempt; it doubles
	// after each failed attempt up to MaxBackoff. Defaults 100ms and 5s.
	MinBackoff, MaxBackoff time.Duration
	// MaxFailures consecutive failed attempts make Healthy report an error
	// (the process should then be restarted by whoever runs it). The
	// supervisor keeps trying at MaxBackoff. Default 8 (about 20s).
	MaxFailures int
	// OnRestart, if set, is called after each successful restart.
	OnRestart func(took time.Duration)
}

// supervisor is the state of Supervise.
type supervisor struct {
	wg       sync.WaitGroup
	cancel   context.CancelFunc
	failures atomic.Int64
	max      int64
	restarts atomic.Int64
}

func (s *supervisor) wait() {
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
}

// ErrDown: the supervised server exited and could not be restarted.
var ErrDown = errors.New("the embedded PostgreSQL server is down and could not be restarted")

// Healthy reports nil while the server runs or is being restarted within
// the bound of SuperviseOptions.MaxFailures, and ErrDown once that many
// restarts in a row have failed.
func (c *Cluster) Healthy() error {
	if c.sup.max > 0 && c.sup.failures.Load() >= c.sup.max {
		return ErrDown
	}
	return nil
}

// Restarts is the number of times Supervise restarted the server.
func (c *Cluster) Restarts() int64 { return c.sup.restarts.Load() }

// Supervise watches the server and restarts it (same data directory, port
// and socket, so existing connection strings keep working) whenever it exits
// without Stop, with an exponential back-off between attempts. Restarts run
// crash recovery as any start does. The log names the data directory, exit
// status and timings only: no personal data.
//
// A server found running on the data directory after an exit (for example
// after an operator's `pg_ctl restart`) is never stopped: the supervisor
// waits for it to exit instead, and connections go to it meanwhile.
//
// Supervise does nothing for an attached cluster (Options.Attach). It must
// be called at most once; Stop ends it.
func (c *Cluster) Supervise(opts SuperviseOptions) {
	if c.attached {
		return
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 100 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Second
	}
	if opts.MaxFailures <= 0 {
		opts.MaxFailures = 8
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.sup.cancel = cancel
	c.sup.max = int64(opts.MaxFailures)
	c.sup.wg.Add(1)
	go func() {
		defer c.sup.wg.Done()
		c.superviseLoop(ctx, opts)
	}()
}

func (c *Cluster) superviseLoop(ctx context.Context, opts SuperviseOptions) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.Done():
		}
		if c.stopping.Load() || ctx.Err() != nil {
			return
		}
		c.mu.Lock()
		exit := c.waitErr
		c.mu.Unlock()
		c.log.Error("pgembed: PostgreSQL exited unexpectedly; restarting it", "data_dir", c.dataDir, "exit", fmt.Sprint(exit))
		t0 := time.Now()
		backoff := opts.MinBackoff
		for attempt := 1; ; attempt++ {
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			if c.stopping.Load() {
				return
			}
			err := c.restart(ctx)
			if err == nil {
				c.sup.failures.Store(0)
				c.sup.restarts.Add(1)
				took := time.Since(t0)
				c.log.Warn("pgembed: PostgreSQL restarted", "data_dir", c.dataDir, "attempt", attempt, "took", took.Round(time.Millisecond))
				if opts.OnRestart != nil {
					opts.OnRestart(took)
				}
				break
			}
			if errors.Is(err, errAdopted) {
				// Someone else's server runs there: it was waited for.
				c.sup.failures.Store(0)
				t0 = time.Now()
				attempt = 0
				backoff = opts.MinBackoff
				continue
			}
			n := c.sup.failures.Add(1)
			lvl := "pgembed: restarting PostgreSQL failed; retrying"
			if n >= int64(opts.MaxFailures) {
				lvl = "pgembed: restarting PostgreSQL keeps failing; /healthz now fails"
			}
			c.log.Error(lvl, "data_dir", c.dataDir, "attempt", attempt, "retry_in", min(2*backoff, opts.MaxBackoff), "err", err.Error())
			backoff = min(2*backoff, opts.MaxBackoff)
		}
	}
}

// errAdopted: restart found a server started by someone else and waited
// until it exited.
var errAdopted = errors.New("adopted")

// restart starts the server again in place.
func (c *Cluster) restart(ctx context.Context) error {
	if pid, port, sock, ok := liveServer(c.dataDir); ok {
		if port != c.port || sock != c.socketDir {
			// Unreachable for our connection strings: /healthz fails so
			// that whoever runs the process restarts it.
			c.sup.failures.Store(c.sup.max)
			c.log.Error("pgembed: another PostgreSQL server runs on the data directory with another socket; not stopping it; /healthz now fails",
				"data_dir", c.dataDir, "pid", pid)
		} else {
			c.log.Warn("pgembed: a PostgreSQL server started by someone else runs on the data directory; using it and not stopping it",
				"data_dir", c.dataDir, "pid", pid)
		}
		for processAlive(pid) {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
		c.log.Error("pgembed: the PostgreSQL server started by someone else exited; restarting ours", "data_dir", c.dataDir)
		return errAdopted
	}
	if err := clearStale(ctx, c.dataDir, c.log, false); err != nil {
		return err
	}
	if err := c.ensureSocketDir(); err != nil {
		return err
	}
	timeout := c.opts.StartTimeout
	if timeout <= 0 {
		timeout = defaultStartTimeout
	}
	return c.run(ctx, c.opts, timeout)
}

// ensureSocketDir recreates the server's socket directory when it is gone:
// while our server is down its lock file names a dead postmaster, so
// another process's sweep of stale socket directories may have removed it.
// The restart keeps the same directory, which every connection string
// names.
func (c *Cluster) ensureSocketDir() error {
	if _, err := os.Stat(c.socketDir); !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.Mkdir(c.socketDir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("pgembed: socket directory: %w", err)
	}
	if err := os.Chmod(c.socketDir, 0o755); err != nil {
		return fmt.Errorf("pgembed: %w", err)
	}
	if c.cred != nil {
		if err := os.Chown(c.socketDir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			return fmt.Errorf("pgembed: %w", err)
		}
	}
	return nil
}
