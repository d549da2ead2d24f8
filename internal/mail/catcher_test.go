package mail

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

func rawMessage(subject string) []byte {
	return []byte("From: a@rightsdesk.example\r\nTo: b@example.fi\r\nSubject: " + subject +
		"\r\nMessage-ID: <" + subject + "@t.example>\r\n\r\nbody\r\n")
}

func TestCatcherKeepsNewestBounded(t *testing.T) {
	t.Parallel()
	catcher, addr := startCatcher(t, CatcherOptions{MaxMessages: 3})
	cfg, _ := ParseURL("smtp://" + addr)
	s := NewSender(cfg)
	ctx := testCtx(t)
	// Past twice the bound, where the catcher drops its oldest in one copy.
	for i := 1; i <= 7; i++ {
		if err := s.Send(ctx, "a@rightsdesk.example", []string{"b@example.fi"}, rawMessage(fmt.Sprint("m", i))); err != nil {
			t.Fatal(err)
		}
		if i == 4 {
			if msgs := catcher.Messages(); len(msgs) != 3 || msgs[0].Subject != "m4" || msgs[2].Subject != "m2" {
				t.Fatalf("after 4: %d messages, newest %q", len(msgs), msgs[0].Subject)
			}
		}
	}
	msgs := catcher.Messages()
	if len(msgs) != 3 {
		t.Fatalf("kept %d messages, want 3", len(msgs))
	}
	for i, want := range []string{"m7", "m6", "m5"} {
		if msgs[i].Subject != want {
			t.Errorf("Messages()[%d].Subject = %q, want %q", i, msgs[i].Subject, want)
		}
	}
	got, ok := catcher.Get(msgs[1].ID)
	if !ok || got.Subject != "m6" || got.Text != "body\n" || got.Received.IsZero() {
		t.Errorf("Get(%q) = %+v, %v", msgs[1].ID, got, ok)
	}
	if _, ok := catcher.Get("1"); ok {
		t.Error("dropped message still gettable")
	}
	if _, ok := catcher.Get("nope"); ok {
		t.Error("Get of unknown id succeeded")
	}
}

func TestCatcherWaitFor(t *testing.T) {
	t.Parallel()
	catcher, addr := startCatcher(t, CatcherOptions{})
	cfg, _ := ParseURL("smtp://" + addr)
	s := NewSender(cfg)
	ctx := testCtx(t)

	// Waiting for a message that has not been sent yet.
	type result struct {
		c   Caught
		err error
	}
	res := make(chan result, 1)
	go func() {
		c, err := catcher.WaitFor(ctx, func(c Caught) bool { return c.Subject == "later" })
		res <- result{c, err}
	}()
	for _, subj := range []string{"other", "later"} {
		if err := s.Send(ctx, "a@rightsdesk.example", []string{"b@example.fi"}, rawMessage(subj)); err != nil {
			t.Fatal(err)
		}
	}
	r := <-res
	if r.err != nil || r.c.Subject != "later" {
		t.Fatalf("WaitFor = %+v, %v", r.c, r.err)
	}

	// Already present.
	c, err := catcher.WaitFor(ctx, func(c Caught) bool { return c.Subject == "other" })
	if err != nil || c.Subject != "other" {
		t.Fatalf("WaitFor existing = %+v, %v", c, err)
	}

	// Nothing matches: the context decides.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := catcher.WaitFor(short, func(c Caught) bool { return c.Subject == "never" }); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitFor without match = %v", err)
	}

	// Close wakes waiters.
	go func() {
		_, err := catcher.WaitFor(ctx, func(c Caught) bool { return false })
		res <- result{err: err}
	}()
	_ = catcher.Close()
	if r := <-res; !errors.Is(r.err, ErrCatcherClosed) {
		t.Errorf("WaitFor after Close = %v", r.err)
	}
	if len(catcher.Messages()) != 2 {
		t.Error("messages lost on Close")
	}
}

func TestCatcherRequiresAuthWhenUsersSet(t *testing.T) {
	t.Parallel()
	catcher, addr := startCatcher(t, CatcherOptions{Users: map[string]string{"u": "p"}, AllowInsecureAuth: true})
	cfg, _ := ParseURL("smtp://" + addr)
	err := NewSender(cfg).Send(testCtx(t), "a@rightsdesk.example", []string{"b@example.fi"}, rawMessage("x"))
	var se *SendError
	if !errors.As(err, &se) || se.Stage != StageMail || !IsPermanent(err) {
		t.Fatalf("err = %v", err)
	}
	// Credentials over plain smtp:// to a loopback host are allowed.
	cfg, err = ParseURL("smtp://u:p@" + addr)
	if err != nil {
		t.Fatal(err)
	}
	if err := NewSender(cfg).Send(testCtx(t), "a@rightsdesk.example", []string{"b@example.fi"}, rawMessage("y")); err != nil {
		t.Fatal(err)
	}
	if m := catcher.Messages(); len(m) != 1 || m[0].AuthUser != "u" {
		t.Errorf("messages = %+v", m)
	}
}

func TestCatcherKeepsUnparseableMessages(t *testing.T) {
	t.Parallel()
	catcher, addr := startCatcher(t, CatcherOptions{})
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SendMail("a@rightsdesk.example", []string{"b@example.fi"}, bytesReader("no header here\r\n")); err != nil {
		t.Fatal(err)
	}
	m, err := catcher.WaitFor(testCtx(t), func(Caught) bool { return true })
	if err != nil || m.ParseError == "" || string(m.Raw) != "no header here\r\n" {
		t.Errorf("caught = %+v, %v", m, err)
	}
}

func TestCatcherStartErrors(t *testing.T) {
	t.Parallel()
	c := NewCatcher(nil)
	addr, err := c.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Start("127.0.0.1:0"); err == nil {
		t.Error("second Start succeeded")
	}
	if err := c.Close(); err != nil {
		t.Error(err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := NewCatcher(nil).Start(addr + "x"); err == nil {
		t.Error("Start on a bad address succeeded")
	}
	if _, err := NewCatcherWithOptions(nil, CatcherOptions{ImplicitTLS: true}).Start("127.0.0.1:0"); err == nil {
		t.Error("ImplicitTLS without TLSConfig accepted")
	}
	// Close without Start is fine.
	if err := NewCatcher(nil).Close(); err != nil {
		t.Error(err)
	}
}
