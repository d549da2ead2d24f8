package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	valid := []struct {
		raw  string
		want Config
	}{
		{"smtp://mail.example:2525", Config{Host: "mail.example", Port: 2525, Security: SecurityNone}},
		{"smtp://mail.example", Config{Host: "mail.example", Port: 25}},
		{"smtp://127.0.0.1:1025/", Config{Host: "127.0.0.1", Port: 1025}},
		{"smtp://u:p@localhost:1025", Config{Host: "localhost", Port: 1025, Username: "u", Password: "p", Auth: AuthPlain}},
		{"smtp+starttls://user:pa%3Ass%40w@smtp.example:587", Config{Host: "smtp.example", Port: 587, Security: SecuritySTARTTLS, Username: "user", Password: "pa:ss@w", Auth: AuthPlain}},
		{"smtp+starttls://smtp.example", Config{Host: "smtp.example", Port: 587, Security: SecuritySTARTTLS}},
		{"SMTPS://user%40example.fi:pw@smtp.example:465?auth=LOGIN&helo=rightsdesk.example", Config{Host: "smtp.example", Port: 465, Security: SecurityTLS, Username: "user@example.fi", Password: "pw", Auth: AuthLogin, HeloName: "rightsdesk.example"}},
		{"smtps://u:p@[::1]:4650?insecure_skip_verify=1", Config{Host: "::1", Port: 4650, Security: SecurityTLS, Username: "u", Password: "p", Auth: AuthPlain, InsecureSkipVerify: true}},
		{"smtps://smtp.example", Config{Host: "smtp.example", Port: 465, Security: SecurityTLS}},
	}
	for _, tc := range valid {
		got, err := ParseURL(tc.raw)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.raw, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseURL(%q) = %+v, want %+v", tc.raw, got, tc.want)
		}
	}

	const secret = "Sup3rS3cret"
	invalid := []struct{ raw, wantMsg string }{
		{"", "empty"},
		{"http://u:" + secret + "@mail.example", "scheme"},
		{"mail.example:25", "scheme"},
		{"smtp+ssl://mail.example", "scheme"},
		{"smtp://", "no host"},
		{"smtp://mail.example:0", "port"},
		{"smtp://mail.example:70000", "port"},
		{"smtp://mail.example:abc", "port"},
		{"smtps://u:" + secret + "@mail.example:99999", "port"},
		{"smtp://mail.example:", "port"},
		{"smtp://u:" + secret + "@mail.example:25", "clear text"},
		{"smtp+starttls://u@mail.example", "no password"},
		{"smtp+starttls://:" + secret + "@mail.example", "no user"},
		{"smtp+starttls://u:" + secret + "@mail.example?auth=cram-md5", "auth"},
		{"smtp+starttls://mail.example?auth=plain", "auth="},
		{"smtp+starttls://u:" + secret + "@mail.example?insecure_skip_verify=maybe", "insecure_skip_verify"},
		{"smtp://mail.example?insecure_skip_verify=1", "insecure_skip_verify"},
		{"smtp+starttls://u:" + secret + "@mail.example?tls=on", "unknown"},
		{"smtp+starttls://u:" + secret + "@mail.example/path", "path"},
		{"smtp+starttls://u:" + secret + "@mail.example?helo=a%20b", "helo"},
		{"smtp+starttls://u:" + secret + "@mail.ex ample:587", "valid URL"},
		{"smtp+starttls://u:" + secret + "@mail.example:5%2087", "valid URL"},
	}
	for _, tc := range invalid {
		_, err := ParseURL(tc.raw)
		if err == nil {
			t.Errorf("ParseURL(%q) succeeded", tc.raw)
			continue
		}
		if !strings.Contains(err.Error(), tc.wantMsg) {
			t.Errorf("ParseURL(%q) = %v, want it to mention %q", tc.raw, err, tc.wantMsg)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("ParseURL(%q) error leaks the password: %v", tc.raw, err)
		}
	}
}

func TestConfigStringHidesPassword(t *testing.T) {
	t.Parallel()
	cfg, err := ParseURL("smtps://user:Sup3rS3cret@smtp.example")
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.String(); strings.Contains(s, "Sup3rS3cret") || !strings.Contains(s, "smtps://user:") {
		t.Errorf("String() = %q", s)
	}
	if s := fmt.Sprint(cfg); strings.Contains(s, "Sup3rS3cret") {
		t.Errorf("fmt.Sprint(cfg) = %q", s)
	}
}

// sendTestMessage sends a small message and returns the catcher's copy.
func sendTestMessage(t *testing.T, catcher *Catcher, cfg Config, subject string) (Caught, error) {
	t.Helper()
	m := Message{
		From:      "Rightsdesk <noreply@rightsdesk.example>",
		To:        []string{"Åke <ake@example.se>"},
		Subject:   subject,
		Text:      "Hej Åke, ärendet är mottaget.",
		HTML:      "<p>Hej Åke, ärendet är mottaget.</p>",
		MessageID: NewMessageID("outbox-"+strings.ReplaceAll(subject, " ", "-"), "rightsdesk.example"),
		Auto:      true,
	}
	raw, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	from, to, err := m.Envelope()
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	if err := NewSender(cfg).Send(ctx, from, to, raw); err != nil {
		return Caught{}, err
	}
	return catcher.WaitFor(ctx, func(c Caught) bool { return c.MessageID == m.MessageID })
}

func TestSendPlain(t *testing.T) {
	t.Parallel()
	catcher, addr := startCatcher(t, CatcherOptions{})
	cfg, err := ParseURL("smtp://" + addr + "?helo=rightsdesk.test")
	if err != nil {
		t.Fatal(err)
	}
	got, err := sendTestMessage(t, catcher, cfg, "plain smtp")
	if err != nil {
		t.Fatal(err)
	}
	if got.TLS || got.AuthUser != "" || got.Subject != "plain smtp" || got.To[0] != "ake@example.se" {
		t.Errorf("caught %+v", got)
	}
}

func TestSendTLSAndAuth(t *testing.T) {
	t.Parallel()
	certs := mustTLS(t)
	users := map[string]string{"rightsdesk": "correct horse ä"}
	cases := []struct {
		name     string
		implicit bool
		url      string // ADDR is replaced by the address
		rootCAs  bool
	}{
		{"starttls plain insecure_skip_verify", false, "smtp+starttls://rightsdesk:correct%20horse%20%C3%A4@ADDR?insecure_skip_verify=1", false},
		{"starttls login verified", false, "smtp+starttls://rightsdesk:correct%20horse%20%C3%A4@ADDR?auth=login", true},
		{"implicit tls plain verified", true, "smtps://rightsdesk:correct%20horse%20%C3%A4@ADDR", true},
		{"implicit tls login insecure_skip_verify", true, "smtps://rightsdesk:correct%20horse%20%C3%A4@ADDR?auth=login&insecure_skip_verify=true", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			catcher, addr := startCatcher(t, CatcherOptions{TLSConfig: certs.server, ImplicitTLS: tc.implicit, Users: users})
			cfg, err := ParseURL(strings.Replace(tc.url, "ADDR", addr, 1))
			if err != nil {
				t.Fatal(err)
			}
			if tc.rootCAs {
				cfg.TLSConfig = &tls.Config{RootCAs: certs.pool}
			}
			got, err := sendTestMessage(t, catcher, cfg, tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if !got.TLS || got.AuthUser != "rightsdesk" {
				t.Errorf("TLS=%v AuthUser=%q", got.TLS, got.AuthUser)
			}
			if got.Text != "Hej Åke, ärendet är mottaget." {
				t.Errorf("text = %q", got.Text)
			}

			// Wrong password: 535, permanent, no password in the error.
			bad := cfg
			bad.Password = "wrong-Pa55"
			_, err = sendTestMessage(t, catcher, bad, tc.name+" bad password")
			var se *SendError
			if !errors.As(err, &se) || se.Stage != StageAuth || se.Code != 535 {
				t.Fatalf("wrong password: err = %#v", err)
			}
			if IsTemporary(err) || !IsPermanent(err) {
				t.Errorf("wrong password should be permanent: %v", err)
			}
			if strings.Contains(err.Error(), "wrong-Pa55") || strings.Contains(err.Error(), "@example") {
				t.Errorf("error leaks data: %v", err)
			}
			if n := len(catcher.Messages()); n != 1 {
				t.Errorf("catcher has %d messages, want 1", n)
			}
		})
	}
}

func TestSendTLSFailuresAreTemporary(t *testing.T) {
	t.Parallel()
	certs := mustTLS(t)

	t.Run("starttls not offered", func(t *testing.T) {
		t.Parallel()
		catcher, addr := startCatcher(t, CatcherOptions{})
		cfg, err := ParseURL("smtp+starttls://u:pw@" + addr + "?insecure_skip_verify=1")
		if err != nil {
			t.Fatal(err)
		}
		_, err = sendTestMessage(t, catcher, cfg, "no starttls")
		var se *SendError
		if !errors.As(err, &se) || se.Stage != StageTLS || !IsTemporary(err) {
			t.Fatalf("err = %#v (%v)", err, err)
		}
		if len(catcher.Messages()) != 0 {
			t.Error("message delivered without TLS")
		}
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		t.Parallel()
		for _, implicit := range []bool{false, true} {
			catcher, addr := startCatcher(t, CatcherOptions{TLSConfig: certs.server, ImplicitTLS: implicit})
			scheme := map[bool]string{false: "smtp+starttls", true: "smtps"}[implicit]
			cfg, err := ParseURL(scheme + "://" + addr)
			if err != nil {
				t.Fatal(err)
			}
			_, err = sendTestMessage(t, catcher, cfg, "untrusted "+scheme)
			var se *SendError
			if !errors.As(err, &se) || se.Stage != StageTLS || !IsTemporary(err) {
				t.Fatalf("%s: err = %#v (%v)", scheme, err, err)
			}
			if len(catcher.Messages()) != 0 {
				t.Errorf("%s: message delivered over untrusted TLS", scheme)
			}
		}
	})
}

func TestSendServerReplies(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		rcpt      *smtp.SMTPError
		data      *smtp.SMTPError
		stage     Stage
		code      int
		temporary bool
	}{
		{"451 at RCPT", smtpErr(451, smtp.EnhancedCode{4, 7, 1}, "Greylisted, try again later"), nil, StageRcpt, 451, true},
		{"421 at RCPT", smtpErr(421, smtp.EnhancedCode{4, 3, 2}, "Shutting down"), nil, StageRcpt, 421, true},
		{"550 at RCPT", smtpErr(550, smtp.EnhancedCode{5, 1, 1}, "Mailbox unavailable"), nil, StageRcpt, 550, false},
		{"452 at DATA", nil, smtpErr(452, smtp.EnhancedCode{4, 3, 1}, "Mailbox full"), StageData, 452, true},
		{"554 at DATA", nil, smtpErr(554, smtp.EnhancedCode{5, 7, 1}, "Message refused as spam"), StageData, 554, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			catcher, addr := startCatcher(t, CatcherOptions{})
			catcher.SetFailure(tc.rcpt)
			catcher.SetDataFailure(tc.data)
			cfg, err := ParseURL("smtp://" + addr)
			if err != nil {
				t.Fatal(err)
			}
			_, err = sendTestMessage(t, catcher, cfg, tc.name)
			var se *SendError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *SendError", err)
			}
			if se.Stage != tc.stage || se.Code != tc.code || IsTemporary(err) != tc.temporary || IsPermanent(err) == tc.temporary {
				t.Errorf("got stage=%s code=%d temporary=%v, want %s %d %v", se.Stage, se.Code, IsTemporary(err), tc.stage, tc.code, tc.temporary)
			}
			if tc.stage == StageRcpt && se.Recipient != 1 {
				t.Errorf("recipient index = %d", se.Recipient)
			}
			msg := err.Error()
			if strings.Contains(msg, "ake@") || strings.Contains(msg, "noreply@") || strings.Contains(msg, "Åke") {
				t.Errorf("error leaks personal data: %q", msg)
			}
			want := fmt.Sprintf("smtp: %s", tc.stage)
			if !strings.HasPrefix(msg, want) || !strings.Contains(msg, fmt.Sprint(tc.code)) {
				t.Errorf("error = %q, want prefix %q and the code", msg, want)
			}
			t.Logf("error text: %s", msg)

			// Clearing the failure lets the next attempt through.
			catcher.SetFailure(nil)
			catcher.SetDataFailure(nil)
			if _, err := sendTestMessage(t, catcher, cfg, tc.name+" retry"); err != nil {
				t.Fatalf("retry: %v", err)
			}
		})
	}
}

func TestSendServerDown(t *testing.T) {
	t.Parallel()
	catcher, addr := startCatcher(t, CatcherOptions{})
	if err := catcher.Close(); err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseURL("smtp://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	err = NewSender(cfg).Send(testCtx(t), "a@rightsdesk.example", []string{"b@example.fi"}, []byte("Subject: x\r\n\r\nx\r\n"))
	var se *SendError
	if !errors.As(err, &se) || se.Stage != StageConnect || !IsTemporary(err) || IsPermanent(err) {
		t.Fatalf("err = %#v (%v)", err, err)
	}
	if _, err := catcher.WaitFor(testCtx(t), func(Caught) bool { return true }); !errors.Is(err, ErrCatcherClosed) {
		t.Errorf("WaitFor on closed empty catcher = %v", err)
	}
}

// silentServer accepts connections and never says anything.
func silentServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		close(done)
		l.Close()
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				go func() { _, _ = io.Copy(io.Discard, c) }()
				<-done
			}()
		}
	}()
	return l.Addr().String()
}

func TestSendRespectsContextDeadline(t *testing.T) {
	t.Parallel()
	for _, scheme := range []string{"smtp", "smtp+starttls", "smtps"} {
		t.Run(scheme, func(t *testing.T) {
			t.Parallel()
			addr := silentServer(t)
			cfg, err := ParseURL(scheme + "://" + addr)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			err = NewSender(cfg).Send(ctx, "a@rightsdesk.example", []string{"b@example.fi"}, []byte("Subject: x\r\n\r\nx\r\n"))
			if err == nil || !IsTemporary(err) {
				t.Fatalf("err = %v, want temporary", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("Send took %v despite a 300ms deadline", d)
			}
			t.Logf("error text: %v", err)
		})
	}
	t.Run("cancel", func(t *testing.T) {
		t.Parallel()
		addr := silentServer(t)
		cfg, _ := ParseURL("smtp://" + addr)
		ctx, cancel := context.WithCancel(t.Context())
		errc := make(chan error, 1)
		go func() {
			errc <- NewSender(cfg).Send(ctx, "a@rightsdesk.example", []string{"b@example.fi"}, []byte("x\r\n"))
		}()
		cancel()
		select {
		case err := <-errc:
			if !IsTemporary(err) {
				t.Errorf("err = %v, want temporary", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Send did not return after cancel")
		}
	})
}

func TestSendInvalidInputIsPermanent(t *testing.T) {
	t.Parallel()
	s := NewSender(Config{Host: "127.0.0.1", Port: 1})
	ctx := testCtx(t)
	for name, call := range map[string]func() error{
		"no recipients":  func() error { return s.Send(ctx, "a@x.example", nil, []byte("x")) },
		"crlf recipient": func() error { return s.Send(ctx, "a@x.example", []string{"b@x.example\r\nRCPT TO:<c@x>"}, []byte("x")) },
		"crlf sender":    func() error { return s.Send(ctx, "a@x.example\r\n", []string{"b@x.example"}, []byte("x")) },
		"empty message":  func() error { return s.Send(ctx, "a@x.example", []string{"b@x.example"}, nil) },
	} {
		err := call()
		var se *SendError
		if !errors.As(err, &se) || se.Stage != StageInput || !IsPermanent(err) {
			t.Errorf("%s: err = %v", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "@x.example") {
			t.Errorf("%s: error leaks address: %v", name, err)
		}
	}
}

func TestIsTemporary(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{&smtp.SMTPError{Code: 421}, true},
		{&smtp.SMTPError{Code: 451}, true},
		{fmt.Errorf("wrapped: %w", &smtp.SMTPError{Code: 452}), true},
		{&smtp.SMTPError{Code: 550}, false},
		{&smtp.SMTPError{Code: 554}, false},
		{context.DeadlineExceeded, true},
		{context.Canceled, true},
		{io.ErrUnexpectedEOF, true},
		{&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, true},
		{&net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}, true},
		{errors.New("something else"), false},
		{&SendError{Stage: StageAuth, Code: 535}, false},
		{&SendError{Stage: StageTLS, Temp: true}, true},
	}
	for _, tc := range cases {
		if got := IsTemporary(tc.err); got != tc.want {
			t.Errorf("IsTemporary(%v) = %v, want %v", tc.err, got, tc.want)
		}
		if tc.err != nil && IsPermanent(tc.err) == tc.want {
			t.Errorf("IsPermanent(%v) = %v", tc.err, !tc.want)
		}
	}
	if IsPermanent(nil) {
		t.Error("IsPermanent(nil)")
	}
}

func TestLoginClientPrompts(t *testing.T) {
	t.Parallel()
	for _, prompts := range [][2]string{
		{"Username:", "Password:"},
		{"username:", "password:"},
		{"VXNlcm5hbWU6", "UGFzc3dvcmQ6"}, // odd servers: unknown prompts, go by order
		{"", ""},
	} {
		c := &loginClient{username: "u", password: "p"}
		mech, ir, err := c.Start()
		if mech != "LOGIN" || ir != nil || err != nil {
			t.Fatalf("Start = %q %q %v", mech, ir, err)
		}
		r1, err1 := c.Next([]byte(prompts[0]))
		r2, err2 := c.Next([]byte(prompts[1]))
		if string(r1) != "u" || string(r2) != "p" || err1 != nil || err2 != nil {
			t.Errorf("prompts %q: got %q %q %v %v", prompts, r1, r2, err1, err2)
		}
		if _, err := c.Next([]byte("again?")); err == nil {
			t.Errorf("prompts %q: third challenge accepted", prompts)
		}
	}
}

func TestConfigNeverLeaksPassword(t *testing.T) {
	t.Parallel()
	cfg, err := ParseURL("smtp+starttls://user:Sup3rS3cret@smtp.example")
	if err != nil {
		t.Fatal(err)
	}
	var logBuf strings.Builder
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("config", "smtp", cfg)
	for _, s := range []string{fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprint(&cfg), logBuf.String()} {
		if strings.Contains(s, "Sup3rS3cret") {
			t.Errorf("password leaked: %s", s)
		}
	}
}

func TestSendNonASCIIAddress(t *testing.T) {
	t.Parallel()
	catcher, addr := startCatcher(t, CatcherOptions{})
	cfg, _ := ParseURL("smtp://" + addr)
	ctx := testCtx(t)
	if err := NewSender(cfg).Send(ctx, "tietosuoja@rightsdesk.example", []string{"åsa@exämple.fi"}, rawMessage("utf8")); err != nil {
		t.Fatal(err)
	}
	m, err := catcher.WaitFor(ctx, func(c Caught) bool { return c.Subject == "utf8" })
	if err != nil || m.To[0] != "åsa@exämple.fi" {
		t.Fatalf("caught %+v, %v", m.To, err)
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	in := `error handling 192.0.2.10:41234: 550 <marta.öberg@example.fi> rejected from [2001:db8::1]:25 for "a+b@x.example"`
	out := redact(in)
	for _, leak := range []string{"192.0.2.10", "marta", "example.fi", "2001:db8", "a+b@"} {
		if strings.Contains(out, leak) {
			t.Errorf("redact(%q) = %q still contains %q", in, out, leak)
		}
	}
	t.Log(out)
}

func TestSendConfigErrorsAreTemporary(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	for name, cfg := range map[string]Config{
		"no host":            {Port: 25},
		"no port":            {Host: "127.0.0.1"},
		"bad auth":           {Host: "127.0.0.1", Port: 25, Security: SecuritySTARTTLS, Username: "u", Password: "p", Auth: "cram-md5"},
		"plaintext password": {Host: "smtp.example", Port: 25, Username: "u", Password: "p"},
	} {
		err := NewSender(cfg).Send(ctx, "a@x.example", []string{"b@x.example"}, []byte("x\r\n"))
		var se *SendError
		if !errors.As(err, &se) || se.Stage != StageConfig || !IsTemporary(err) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// hangingDataBackend accepts everything but never answers the final dot.
type hangingDataBackend struct{ release chan struct{} }

func (b hangingDataBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return hangingSession(b), nil
}

type hangingSession hangingDataBackend

func (hangingSession) Mail(string, *smtp.MailOptions) error { return nil }
func (hangingSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s hangingSession) Data(r io.Reader) error {
	_, _ = io.Copy(io.Discard, r)
	<-s.release
	return nil
}
func (hangingSession) Reset()        {}
func (hangingSession) Logout() error { return nil }

// Issue 17: a hung server holds a delivery only for the step's timeout,
// whatever the overall deadline: the greeting and each command by
// CommandTimeout, the reply to the final dot by DataTimeout. Both are
// temporary failures (retried), at the stage they hung in.
func TestSendStepTimeouts(t *testing.T) {
	t.Parallel()
	t.Run("silent greeting", func(t *testing.T) {
		t.Parallel()
		for _, scheme := range []string{"smtp", "smtp+starttls"} {
			cfg, err := ParseURL(scheme + "://" + silentServer(t))
			if err != nil {
				t.Fatal(err)
			}
			cfg.CommandTimeout = 200 * time.Millisecond
			start := time.Now()
			err = NewSender(cfg).Send(t.Context(), "a@rightsdesk.example", []string{"b@example.fi"}, []byte("Subject: x\r\n\r\nx\r\n"))
			if err == nil || !IsTemporary(err) {
				t.Fatalf("%s: err = %v, want temporary", scheme, err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("%s: a silent server held Send for %v", scheme, d)
			}
		}
	})
	t.Run("no reply to the final dot", func(t *testing.T) {
		t.Parallel()
		b := hangingDataBackend{release: make(chan struct{})}
		srv := smtp.NewServer(b)
		srv.Domain = "localhost"
		srv.AllowInsecureAuth = true
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = srv.Serve(l) }()
		t.Cleanup(func() {
			close(b.release)
			srv.Close()
		})
		cfg, err := ParseURL("smtp://" + l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		cfg.DataTimeout = 300 * time.Millisecond
		start := time.Now()
		err = NewSender(cfg).Send(t.Context(), "a@rightsdesk.example", []string{"b@example.fi"}, []byte("Subject: x\r\n\r\nx\r\n"))
		var se *SendError
		if !errors.As(err, &se) || se.Stage != StageData || !se.Temp {
			t.Fatalf("err = %v, want a temporary DATA failure", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("a server hung after DATA held Send for %v", d)
		}
	})
	t.Run("defaults are bounded", func(t *testing.T) {
		if DefaultDialTimeout > 30*time.Second || DefaultCommandTimeout > time.Minute || DefaultDataTimeout > 2*time.Minute {
			t.Errorf("defaults %v %v %v", DefaultDialTimeout, DefaultCommandTimeout, DefaultDataTimeout)
		}
	})
}
