package mail

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

func bytesReader(s string) io.Reader { return strings.NewReader(s) }

const inboxAddr = "privacy@rightsdesk.example"

// startInbound starts an inbound server whose handler forwards messages to
// the returned channel (buffered) unless handler is given.
func startInbound(t *testing.T, cfg InboundConfig) (string, <-chan Inbound) {
	t.Helper()
	ch := make(chan Inbound, 16)
	if cfg.Handler == nil {
		cfg.Handler = func(ctx context.Context, in Inbound) error {
			ch <- in
			return nil
		}
	}
	if cfg.AcceptRcpt == nil {
		cfg.AcceptRcpt = func(addr string) bool { return strings.EqualFold(addr, inboxAddr) }
	}
	cfg.Addr = "127.0.0.1:0"
	cfg.Logger = testLogger(t)
	srv, err := NewInbound(cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := srv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return addr, ch
}

func dialInbound(t *testing.T, addr string) *smtp.Client {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	c.CommandTimeout = 10 * time.Second
	c.SubmissionTimeout = 10 * time.Second
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// sendRaw runs one transaction on c and returns the error of the failing
// step.
func sendRaw(c *smtp.Client, from string, to []string, raw string) error {
	if err := c.Mail(from, nil); err != nil {
		return err
	}
	for _, r := range to {
		if err := c.Rcpt(r, nil); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, raw); err != nil {
		return err
	}
	return w.Close()
}

func wantSMTPCode(t *testing.T, err error, code int, enh smtp.EnhancedCode) {
	t.Helper()
	var se *smtp.SMTPError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want SMTP %d", err, code)
	}
	if se.Code != code || se.EnhancedCode != enh {
		t.Fatalf("got %d %v %q, want %d %v", se.Code, se.EnhancedCode, se.Message, code, enh)
	}
}

func receive(t *testing.T, ch <-chan Inbound) Inbound {
	t.Helper()
	select {
	case in := <-ch:
		return in
	case <-time.After(10 * time.Second):
		t.Fatal("handler was not called")
		return Inbound{}
	}
}

func TestInboundAcceptsMessage(t *testing.T) {
	t.Parallel()
	arrival := time.Date(2024, 5, 17, 12, 0, 0, 0, time.UTC)
	var nowCalls atomic.Int32
	addr, ch := startInbound(t, InboundConfig{Now: func() time.Time {
		nowCalls.Add(1)
		return arrival
	}})

	// Through the real Sender with a Message, as another MTA would.
	m := Message{
		From:    "Märta Öberg <marta@example.fi>",
		To:      []string{"Tietosuoja <" + inboxAddr + ">"},
		Subject: "Tietopyyntö: pääsyoikeus (GDPR 15 art.)",
		Text:    "Hei, haluan tietää mitä tietoja minusta on tallennettu. Tack så mycket, åäö.",
	}
	raw, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	from, to, _ := m.Envelope()
	cfg, _ := ParseURL("smtp://" + addr)
	if err := NewSender(cfg).Send(testCtx(t), from, to, raw); err != nil {
		t.Fatal(err)
	}
	in := receive(t, ch)
	if in.From != "marta@example.fi" || len(in.To) != 1 || in.To[0] != inboxAddr {
		t.Errorf("envelope = %q %q", in.From, in.To)
	}
	if string(in.Raw) != string(raw) {
		t.Errorf("raw differs:\n%q\n%q", in.Raw, raw)
	}
	if !in.ReceivedAt.Equal(arrival) || nowCalls.Load() != 1 {
		t.Errorf("ReceivedAt = %v (Now called %d times)", in.ReceivedAt, nowCalls.Load())
	}
	p, err := parseRaw(in.Raw)
	if err != nil || p.Subject != m.Subject || p.Text != m.Text+"\n" {
		t.Errorf("parsed = %+v, %v", p, err)
	}
}

func TestInboundReceivedAtIsArrival(t *testing.T) {
	t.Parallel()
	addr, ch := startInbound(t, InboundConfig{})
	c := dialInbound(t, addr)
	if err := c.Mail("", nil); err != nil { // null sender, e.g. a bounce
		t.Fatal(err)
	}
	if err := c.Rcpt(inboxAddr, nil); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "Subject: hello\r\n\r\n")
	beforeEnd := time.Now()
	io.WriteString(w, "body\r\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	afterEnd := time.Now()
	in := receive(t, ch)
	if in.ReceivedAt.Before(beforeEnd) || in.ReceivedAt.After(afterEnd) {
		t.Errorf("ReceivedAt %v not within end of DATA [%v, %v]", in.ReceivedAt, beforeEnd, afterEnd)
	}
	if in.From != "" {
		t.Errorf("From = %q, want null sender", in.From)
	}
}

func TestInboundRejectsUnknownRecipient(t *testing.T) {
	t.Parallel()
	addr, ch := startInbound(t, InboundConfig{})
	c := dialInbound(t, addr)
	if err := c.Mail("someone@example.fi", nil); err != nil {
		t.Fatal(err)
	}
	wantSMTPCode(t, c.Rcpt("nobody@rightsdesk.example", nil), 550, smtp.EnhancedCode{5, 1, 1})
	// The session goes on: a known recipient still works.
	if err := c.Rcpt(inboxAddr, nil); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "Subject: ok\r\n\r\nok\r\n")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if in := receive(t, ch); len(in.To) != 1 || in.To[0] != inboxAddr {
		t.Errorf("To = %q", in.To)
	}

	// Through the Sender: a permanent RCPT failure without the address.
	cfg, _ := ParseURL("smtp://" + addr)
	err = NewSender(cfg).Send(testCtx(t), "someone@example.fi", []string{"nobody@rightsdesk.example"}, []byte("Subject: x\r\n\r\nx\r\n"))
	var se *SendError
	if !errors.As(err, &se) || se.Stage != StageRcpt || se.Code != 550 || !IsPermanent(err) {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "nobody@") {
		t.Errorf("error leaks address: %v", err)
	}
	t.Logf("error text: %v", err)
}

func TestInboundSizeLimit(t *testing.T) {
	t.Parallel()
	const maxBytes = 2048
	addr, ch := startInbound(t, InboundConfig{MaxBytes: maxBytes})
	message := func(size int) string {
		head := "Subject: size\r\n\r\n"
		body := strings.Repeat(strings.Repeat("a", 48)+"\r\n", size/50+1)
		return head + body[:size-len(head)-2] + "\r\n"
	}
	c := dialInbound(t, addr)
	// Exactly MaxBytes is fine.
	if err := sendRaw(c, "a@example.fi", []string{inboxAddr}, message(maxBytes)); err != nil {
		t.Fatalf("message of exactly MaxBytes: %v", err)
	}
	if in := receive(t, ch); len(in.Raw) != maxBytes {
		t.Errorf("raw length %d", len(in.Raw))
	}
	// One more byte is not; the connection stays usable.
	wantSMTPCode(t, sendRaw(c, "a@example.fi", []string{inboxAddr}, message(maxBytes+1)), 552, smtp.EnhancedCode{5, 3, 4})
	wantSMTPCode(t, sendRaw(c, "a@example.fi", []string{inboxAddr}, message(10*maxBytes)), 552, smtp.EnhancedCode{5, 3, 4})
	// A declared SIZE over the limit is refused at MAIL.
	wantSMTPCode(t, c.Mail("a@example.fi", &smtp.MailOptions{Size: 100 * maxBytes}), 552, smtp.EnhancedCode{5, 3, 4})
	if err := c.Reset(); err != nil {
		t.Fatal(err)
	}
	if err := sendRaw(c, "a@example.fi", []string{inboxAddr}, message(100)); err != nil {
		t.Fatalf("after 552: %v", err)
	}
	receive(t, ch)
	select {
	case in := <-ch:
		t.Errorf("oversize message reached the handler (%d bytes)", len(in.Raw))
	default:
	}
}

func TestInboundRejectsGarbage(t *testing.T) {
	t.Parallel()
	addr, ch := startInbound(t, InboundConfig{})
	garbage := []string{
		"\x00\x01\x02\xff\xfe this is not mail\r\n",
		"no colon in this line\r\nSubject: x\r\n\r\nbody\r\n",
		"\r\nbody without any header\r\n",
		"Subject: x\r\n\x00bad: y\r\n\r\nbody\r\n",
		": no field name\r\n\r\nbody\r\n",
		" leading space\r\n\r\n",
		"",
	}
	for _, g := range garbage {
		c := dialInbound(t, addr)
		wantSMTPCode(t, sendRaw(c, "a@example.fi", []string{inboxAddr}, g), 554, smtp.EnhancedCode{5, 6, 0})
		// The same session can still deliver a good message.
		if err := sendRaw(c, "a@example.fi", []string{inboxAddr}, "Subject: good\r\n\r\nok\r\n"); err != nil {
			t.Fatalf("after garbage %q: %v", g, err)
		}
		receive(t, ch)
		_ = c.Quit()
	}

	// Protocol-level garbage over raw TCP does not hurt the server either.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(conn)
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "220 ") {
		t.Fatalf("greeting %q %v", line, err)
	}
	conn.Write([]byte("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03 binary junk\r\n"))
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "5") {
		t.Fatalf("reply to junk %q %v", line, err)
	}
	conn.Write([]byte(strings.Repeat("A", 5000) + "\r\n"))
	conn.Close()

	// And the next connection is served normally.
	c := dialInbound(t, addr)
	if err := sendRaw(c, "a@example.fi", []string{inboxAddr}, "Subject: after junk\r\n\r\nok\r\n"); err != nil {
		t.Fatal(err)
	}
	receive(t, ch)
}

func TestInboundLongLineIsPermanent(t *testing.T) {
	t.Parallel()
	addr, _ := startInbound(t, InboundConfig{})
	c := dialInbound(t, addr)
	err := sendRaw(c, "a@example.fi", []string{inboxAddr}, "Subject: x\r\n\r\n"+strings.Repeat("y", 3000)+"\r\n")
	wantSMTPCode(t, err, 554, smtp.EnhancedCode{5, 6, 0})
}

func TestInboundHandlerFailures(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	accepted := make(chan Inbound, 4)
	addr, _ := startInbound(t, InboundConfig{Handler: func(ctx context.Context, in Inbound) error {
		switch calls.Add(1) {
		case 1:
			return errors.New("database is down for request from marta@example.fi")
		case 2:
			panic("handler bug")
		case 3:
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Refused by policy"}
		}
		accepted <- in
		return nil
	}})
	c := dialInbound(t, addr)
	msg := "Subject: retry me\r\n\r\nbody\r\n"
	wantSMTPCode(t, sendRaw(c, "marta@example.fi", []string{inboxAddr}, msg), 451, smtp.EnhancedCode{4, 3, 0})
	wantSMTPCode(t, sendRaw(c, "marta@example.fi", []string{inboxAddr}, msg), 451, smtp.EnhancedCode{4, 3, 0})
	wantSMTPCode(t, sendRaw(c, "marta@example.fi", []string{inboxAddr}, msg), 550, smtp.EnhancedCode{5, 7, 1})
	if err := sendRaw(c, "marta@example.fi", []string{inboxAddr}, msg); err != nil {
		t.Fatalf("4th attempt: %v", err)
	}
	receive(t, accepted)

	// Via the Sender, a handler error is a temporary failure.
	calls.Store(0)
	cfg, _ := ParseURL("smtp://" + addr)
	err := NewSender(cfg).Send(testCtx(t), "marta@example.fi", []string{inboxAddr}, []byte(msg))
	var se *SendError
	if !errors.As(err, &se) || se.Stage != StageData || se.Code != 451 || !IsTemporary(err) {
		t.Fatalf("err = %v", err)
	}
}

func TestInboundHandlerSeesCancelOnClose(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	handlerErr := make(chan error, 1)
	srv, err := NewInbound(InboundConfig{
		Addr:   "127.0.0.1:0",
		Logger: testLogger(t),
		Handler: func(ctx context.Context, in Inbound) error {
			close(started)
			<-ctx.Done()
			handlerErr <- ctx.Err()
			return ctx.Err()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	addr, err := srv.Start()
	if err != nil {
		t.Fatal(err)
	}
	c := dialInbound(t, addr)
	sendErr := make(chan error, 1)
	go func() { sendErr <- sendRaw(c, "a@example.fi", []string{"x@example.fi"}, "Subject: x\r\n\r\nx\r\n") }()
	<-started
	if err := srv.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := <-handlerErr; !errors.Is(err, context.Canceled) {
		t.Errorf("handler ctx err = %v", err)
	}
	if err := <-sendErr; err == nil {
		t.Error("message acknowledged although the handler was cancelled")
	}
}

func TestNewInboundValidation(t *testing.T) {
	t.Parallel()
	if _, err := NewInbound(InboundConfig{Addr: "127.0.0.1:0"}); err == nil {
		t.Error("missing handler accepted")
	}
	srv, err := NewInbound(InboundConfig{Handler: func(context.Context, Inbound) error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Start(); err == nil {
		t.Error("empty Addr accepted")
	}
	if err := srv.Close(); err != nil {
		t.Error(err)
	}
}

func TestInboundShutdown(t *testing.T) {
	t.Parallel()
	newServer := func() (*InboundServer, string) {
		srv, err := NewInbound(InboundConfig{Addr: "127.0.0.1:0", Logger: testLogger(t),
			Handler: func(context.Context, Inbound) error { return nil }})
		if err != nil {
			t.Fatal(err)
		}
		addr, err := srv.Start()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = srv.Close() })
		return srv, addr
	}

	t.Run("graceful", func(t *testing.T) {
		srv, addr := newServer()
		c := dialInbound(t, addr)
		if err := sendRaw(c, "a@example.fi", []string{"x@example.fi"}, "Subject: x\r\n\r\nx\r\n"); err != nil {
			t.Fatal(err)
		}
		if err := c.Quit(); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if err := srv.Close(); err != nil {
			t.Errorf("Close after Shutdown: %v", err)
		}
	})

	t.Run("timeout closes idle sessions", func(t *testing.T) {
		srv, addr := newServer()
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(conn)
		if _, err := r.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Shutdown = %v, want deadline exceeded", err)
		}
		if _, err := r.ReadString('\n'); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("idle session still open after Shutdown: %v", err)
		}
	})

	t.Run("ListenAndServe returns on Close", func(t *testing.T) {
		srv, err := NewInbound(InboundConfig{Addr: "127.0.0.1:0", Handler: func(context.Context, Inbound) error { return nil }})
		if err != nil {
			t.Fatal(err)
		}
		served := make(chan error, 1)
		go func() { served <- srv.ListenAndServe() }()
		// Close may run before or after ListenAndServe started listening;
		// either way ListenAndServe must return.
		_ = srv.Close()
		if err := <-served; err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			t.Errorf("ListenAndServe = %v", err)
		}
	})
}
