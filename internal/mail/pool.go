package mail

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"time"
)

// Pool sends over SMTP connections it keeps open between messages (issue
// 21): the fast path sends every intake's code mail, and a connection,
// greeting, EHLO (a TLS handshake, AUTH) and QUIT per mail cost as much
// as the mail itself. It is safe for concurrent use; each Send takes an
// idle connection (or opens one) and gives it back after a transaction
// the server answered. Errors and their classification are Sender.Send's.
//
// A kept connection the server has closed meanwhile fails at MAIL with a
// network error before any of the message is sent: that one attempt is
// repeated once on a new connection. Nothing is repeated once DATA began
// (the server may have the message: D-14).
type Pool struct {
	s       *Sender
	maxIdle time.Duration
	mu      sync.Mutex
	idle    []*session
	max     int
	closed  bool
}

// DefaultPoolIdle: a connection idle this long is closed rather than
// reused (servers drop idle clients after a minute or more, RFC 5321
// 4.5.3.2 asks them to wait 5 minutes).
const DefaultPoolIdle = 30 * time.Second

// NewPool keeps up to size idle connections to s's server.
func NewPool(s *Sender, size int) *Pool {
	return &Pool{s: s, max: max(size, 1), maxIdle: DefaultPoolIdle}
}

// Send delivers msg like Sender.Send, on a kept connection when one is idle.
func (p *Pool) Send(ctx context.Context, from string, to []string, msg []byte) error {
	s := p.s
	if se := s.checkInput(ctx, from, to, msg); se != nil {
		return se
	}
	ctx, cancel := s.withDeadline(ctx)
	defer cancel()
	for try := 0; ; try++ {
		ss, reused := p.take()
		if ss == nil {
			var se *SendError
			if ss, se = s.open(ctx, len(to)); se != nil {
				return se
			}
		}
		err := ss.transact(ctx, s, from, to, msg)
		if err == nil {
			p.put(ss)
			return nil
		}
		if reused && try == 0 && err.Stage == StageMail && err.Code == 0 && staleConn(err.Err) && ctx.Err() == nil {
			ss.close() // the server dropped it while idle: once more, anew
			continue
		}
		if err.Code != 0 && err.Stage != StageData {
			// The server answered MAIL or RCPT: the connection is sound;
			// RSET clears the transaction for the next mail.
			if ss.c.Reset() == nil {
				p.put(ss)
				return err
			}
		}
		ss.close()
		return err
	}
}

// staleConn: the error of a kept connection the server had closed.
func staleConn(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

func (p *Pool) take() (*session, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.idle) > 0 {
		ss := p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
		if time.Since(ss.used) < p.maxIdle {
			return ss, true
		}
		go ss.quit()
	}
	return nil, false
}

func (p *Pool) put(ss *session) {
	ss.used = time.Now()
	p.mu.Lock()
	if !p.closed && len(p.idle) < p.max {
		p.idle = append(p.idle, ss)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	go ss.quit()
}

// quit ends a session politely, within a second.
func (ss *session) quit() {
	_ = ss.conn.SetDeadline(time.Now().Add(time.Second))
	_ = ss.c.Quit()
	ss.close()
}

// Close ends the idle connections; Sends after it open and close their own.
func (p *Pool) Close() {
	p.mu.Lock()
	idle := p.idle
	p.idle, p.closed = nil, true
	p.mu.Unlock()
	for _, ss := range idle {
		ss.quit()
	}
}
