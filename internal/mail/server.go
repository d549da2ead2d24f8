package mail

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"regexp"
	"strings"
	"sync"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// addrPattern matches things that look like e-mail addresses so they can be
// masked before anything reaches a log.
var addrPattern = regexp.MustCompile(`[^\s<>"'(),;:\[\]]+@[^\s<>"'(),;:\[\]]+`)

// ipPattern matches IPv4 and bracketed IPv6 addresses with optional port
// (remote peers' IP addresses can be personal data too).
var ipPattern = regexp.MustCompile(`\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b|\[[0-9A-Fa-f:.]+(?:%[\w.]+)?\](?::\d+)?`)

// redact masks e-mail and IP addresses in s.
func redact(s string) string {
	s = addrPattern.ReplaceAllString(s, "<redacted>")
	return ipPattern.ReplaceAllString(s, "<ip>")
}

// slogErrorLog adapts go-smtp's Logger to slog, masking addresses.
type slogErrorLog struct {
	logger *slog.Logger
	msg    string
}

func (l slogErrorLog) Printf(format string, v ...any) {
	l.logger.Warn(l.msg, "error", redact(fmt.Sprintf(format, v...)))
}

func (l slogErrorLog) Println(v ...any) {
	l.logger.Warn(l.msg, "error", redact(strings.TrimSuffix(fmt.Sprintln(v...), "\n")))
}

func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// logGate wraps a slog.Handler so that a server stops logging once it is
// closed: go-smtp connection goroutines may still be unwinding after Close
// returns, and the caller's logger may be gone by then.
type logGate struct {
	mu      *sync.RWMutex
	stopped *bool
	inner   slog.Handler
}

func newLogGate(l *slog.Logger) logGate {
	return logGate{mu: new(sync.RWMutex), stopped: new(bool), inner: orDiscard(l).Handler()}
}

func (g logGate) stop() {
	g.mu.Lock()
	*g.stopped = true
	g.mu.Unlock()
}

func (g logGate) Enabled(ctx context.Context, level slog.Level) bool {
	return g.inner.Enabled(ctx, level)
}

func (g logGate) Handle(ctx context.Context, r slog.Record) error {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if *g.stopped {
		return nil
	}
	return g.inner.Handle(ctx, r)
}

func (g logGate) WithAttrs(attrs []slog.Attr) slog.Handler {
	return logGate{mu: g.mu, stopped: g.stopped, inner: g.inner.WithAttrs(attrs)}
}

func (g logGate) WithGroup(name string) slog.Handler {
	return logGate{mu: g.mu, stopped: g.stopped, inner: g.inner.WithGroup(name)}
}

// loginServer is the server side of AUTH LOGIN, used by the Catcher. It
// accepts both the initial-response form and the prompt form.
type loginServer struct {
	authenticate func(username, password string) error
	username     []byte
	step         int
}

func (a *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch a.step {
	case 0:
		a.step = 1
		if response == nil {
			return []byte("Username:"), false, nil
		}
		a.username = bytes.Clone(response)
		a.step = 2
		return []byte("Password:"), false, nil
	case 1:
		a.username = bytes.Clone(response)
		a.step = 2
		return []byte("Password:"), false, nil
	case 2:
		a.step = 3
		return nil, true, a.authenticate(string(a.username), string(response))
	}
	return nil, false, sasl.ErrUnexpectedClientResponse
}

// checkUser compares credentials in constant time and returns
// smtp.ErrAuthFailed (535) on mismatch.
func checkUser(users map[string]string, username, password string) error {
	want, ok := users[username]
	if !ok {
		want = "\x00invalid" // still compare, to not leak which users exist
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(password)) != 1 || !ok {
		return smtp.ErrAuthFailed
	}
	return nil
}

// smtpErr is a shorthand for an SMTP reply.
func smtpErr(code int, enh smtp.EnhancedCode, msg string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: code, EnhancedCode: enh, Message: msg}
}

var errInternal = smtpErr(451, smtp.EnhancedCode{4, 3, 0}, "Internal error, please try again later")

// errorsAsSMTP returns err as *smtp.SMTPError if it is one.
func errorsAsSMTP(err error) (*smtp.SMTPError, bool) {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se, true
	}
	return nil, false
}

// trackingListener remembers accepted connections so that a server can
// close them itself, e.g. after a graceful shutdown timed out (go-smtp's
// Close is a no-op once Shutdown has begun).
type trackingListener struct {
	net.Listener
	mu     sync.Mutex
	conns  map[*trackedConn]struct{}
	closed bool
}

func newTrackingListener(l net.Listener) *trackingListener {
	return &trackingListener{Listener: l, conns: map[*trackedConn]struct{}{}}
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, l: l}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		_ = c.Close()
		return nil, net.ErrClosed
	}
	l.conns[tc] = struct{}{}
	return tc, nil
}

// closeAll closes the listener and every open connection.
func (l *trackingListener) closeAll() {
	l.mu.Lock()
	l.closed = true
	conns := make([]*trackedConn, 0, len(l.conns))
	for c := range l.conns {
		conns = append(conns, c)
	}
	l.mu.Unlock()
	_ = l.Listener.Close()
	for _, c := range conns {
		_ = c.Close()
	}
}

type trackedConn struct {
	net.Conn
	l    *trackingListener
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
	})
	return c.Conn.Close()
}
