package mail

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// proxy forwards TCP connections to a server, counts them and can cut
// them all (a server dropping its idle clients).
type proxy struct {
	ln       net.Listener
	mu       sync.Mutex
	accepted int
	open     []net.Conn
}

func startProxy(t *testing.T, to string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", to)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.accepted++
			p.open = append(p.open, c, s)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); s.Close() }()
			go func() { _, _ = io.Copy(c, s); c.Close() }()
		}
	}()
	return p
}

func (p *proxy) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.open {
		c.Close()
	}
	p.open = nil
}

func poolSend(t *testing.T, p *Pool, subject string) error {
	t.Helper()
	m := Message{From: "noreply@rightsdesk.test", To: []string{"ake@example.se"}, Subject: subject, Text: "Hej Åke",
		MessageID: fmt.Sprintf("<%s@rightsdesk.test>", subject)}
	raw, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	from, to, err := m.Envelope()
	if err != nil {
		t.Fatal(err)
	}
	return p.Send(testCtx(t), from, to, raw)
}

// Issue 21: the pool sends many mails over one connection.
func TestPoolReusesConnection(t *testing.T) {
	t.Parallel()
	catcher, addr := startCatcher(t, CatcherOptions{})
	px := startProxy(t, addr)
	cfg, err := ParseURL("smtp://" + px.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	p := NewPool(NewSender(cfg), 2)
	defer p.Close()
	for i := range 5 {
		if err := poolSend(t, p, fmt.Sprintf("mail%d", i)); err != nil {
			t.Fatalf("mail %d: %v", i, err)
		}
	}
	if n := len(catcher.Messages()); n != 5 {
		t.Fatalf("%d mails caught, want 5", n)
	}
	if n := px.count(); n != 1 {
		t.Fatalf("%d connections for 5 mails one after another, want 1", n)
	}
}

// A kept connection the server dropped while idle: the next mail goes
// out on a new one, once (D-14: nothing of it had been sent).
func TestPoolServerDroppedIdleConnection(t *testing.T) {
	t.Parallel()
	catcher, addr := startCatcher(t, CatcherOptions{})
	px := startProxy(t, addr)
	cfg, err := ParseURL("smtp://" + px.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	p := NewPool(NewSender(cfg), 2)
	defer p.Close()
	if err := poolSend(t, p, "first"); err != nil {
		t.Fatal(err)
	}
	px.cut()
	if err := poolSend(t, p, "second"); err != nil {
		t.Fatalf("after the server dropped the idle connection: %v", err)
	}
	if n := len(catcher.Messages()); n != 2 {
		t.Fatalf("%d mails caught, want 2", n)
	}
	if n := px.count(); n != 2 {
		t.Fatalf("%d connections, want 2", n)
	}
}

// A rejection (issue 17's classification unchanged) leaves the connection
// usable: RSET, and the next mail goes out on it.
func TestPoolRejectionThenNextMail(t *testing.T) {
	t.Parallel()
	catcher, addr := startCatcher(t, CatcherOptions{})
	px := startProxy(t, addr)
	cfg, err := ParseURL("smtp://" + px.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	p := NewPool(NewSender(cfg), 2)
	defer p.Close()
	catcher.SetFailure(smtpErr(550, smtp.EnhancedCode{5, 1, 1}, "Mailbox unavailable"))
	err = poolSend(t, p, "refused")
	var se *SendError
	if !errors.As(err, &se) || se.Stage != StageRcpt || se.Code != 550 || !IsPermanent(err) {
		t.Fatalf("err = %v, want a permanent RCPT 550", err)
	}
	catcher.SetFailure(smtpErr(451, smtp.EnhancedCode{4, 7, 1}, "Greylisted"))
	if err := poolSend(t, p, "greylisted"); !IsTemporary(err) {
		t.Fatalf("err = %v, want temporary", err)
	}
	catcher.SetFailure(nil)
	if err := poolSend(t, p, "accepted"); err != nil {
		t.Fatal(err)
	}
	if n := len(catcher.Messages()); n != 1 {
		t.Fatalf("%d mails caught, want 1", n)
	}
	if n := px.count(); n != 1 {
		t.Fatalf("%d connections, want 1 (kept after the rejections)", n)
	}
}

// A server that is down is a temporary connect failure, as with Send.
func TestPoolServerDown(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg, err := ParseURL("smtp://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	p := NewPool(NewSender(cfg), 1)
	defer p.Close()
	err = poolSend(t, p, "down")
	var se *SendError
	if !errors.As(err, &se) || se.Stage != StageConnect || !IsTemporary(err) {
		t.Fatalf("err = %v, want a temporary connect failure", err)
	}
}
