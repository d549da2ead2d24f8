package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Security is the transport security of an SMTP connection.
type Security int

const (
	// SecurityNone is plain SMTP without TLS (smtp://).
	SecurityNone Security = iota
	// SecuritySTARTTLS requires a STARTTLS upgrade before anything else is
	// sent (smtp+starttls://). A server that does not offer STARTTLS is an
	// error; there is no fallback to plain text.
	SecuritySTARTTLS
	// SecurityTLS is implicit TLS from the first byte (smtps://).
	SecurityTLS
)

func (s Security) String() string {
	switch s {
	case SecurityNone:
		return "none"
	case SecuritySTARTTLS:
		return "starttls"
	case SecurityTLS:
		return "tls"
	}
	return "Security(" + strconv.Itoa(int(s)) + ")"
}

// Auth mechanisms accepted in Config.Auth.
const (
	AuthPlain = "plain"
	AuthLogin = "login"
)

// DefaultSendTimeout bounds a Send whose context has no deadline.
const DefaultSendTimeout = 2 * time.Minute

// Config describes how to reach the outgoing SMTP server. Build it with
// ParseURL or by hand.
type Config struct {
	Host     string
	Port     int
	Security Security

	// Username and Password enable SMTP AUTH when Username is non-empty.
	Username string
	Password string
	// Auth is AuthPlain (default) or AuthLogin.
	Auth string

	// HeloName is the name sent in EHLO; "localhost" when empty. With
	// STARTTLS the pre-TLS EHLO always uses "localhost".
	HeloName string

	// InsecureSkipVerify disables certificate verification. For tests only.
	InsecureSkipVerify bool
	// TLSConfig optionally overrides the TLS settings (e.g. RootCAs in
	// tests). ServerName defaults to Host.
	TLSConfig *tls.Config

	// Timeout bounds a Send whose context has no deadline
	// (DefaultSendTimeout when zero).
	Timeout time.Duration
	// DialTimeout bounds connecting (with implicit TLS: and its
	// handshake); CommandTimeout each command's reply, the greeting
	// included; DataTimeout the message's transfer and the reply to its
	// final dot. Zero means DefaultDialTimeout, DefaultCommandTimeout and
	// DefaultDataTimeout. A hung server thus holds a delivery for a bounded
	// time, whatever the overall deadline (issue 17).
	DialTimeout    time.Duration
	CommandTimeout time.Duration
	DataTimeout    time.Duration
}

// Defaults of the per-step timeouts (RFC 5321 4.5.3.2 allows servers far
// longer; a submission server that needs more is broken).
const (
	DefaultDialTimeout    = 15 * time.Second
	DefaultCommandTimeout = 30 * time.Second
	DefaultDataTimeout    = 60 * time.Second
)

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Addr returns host:port.
func (c Config) Addr() string {
	return net.JoinHostPort(c.Host, strconv.Itoa(c.Port))
}

// String describes the configuration without the password, safe to log.
func (c Config) String() string {
	scheme := map[Security]string{SecurityNone: "smtp", SecuritySTARTTLS: "smtp+starttls", SecurityTLS: "smtps"}[c.Security]
	u := url.URL{Scheme: scheme, Host: c.Addr()}
	if c.Username != "" {
		u.User = url.UserPassword(c.Username, "xxxxx")
	}
	return u.String()
}

// GoString keeps the password out of %#v.
func (c Config) GoString() string { return "mail.Config(" + c.String() + ")" }

// LogValue keeps the password out of slog records.
func (c Config) LogValue() slog.Value { return slog.StringValue(c.String()) }

// ParseURL parses an SMTP_URL:
//
//	smtp://host[:port]                        plain SMTP (default port 25)
//	smtp+starttls://user:pass@host[:port]     STARTTLS required (default port 587)
//	smtps://user:pass@host[:port]             implicit TLS (default port 465)
//
// Query parameters: auth=plain|login (default plain when a user is given),
// insecure_skip_verify=1 (tests only), helo=name. User name and password
// are percent-decoded. Credentials over plain smtp:// are only allowed to a
// loopback host. Error messages never contain the password.
func ParseURL(raw string) (Config, error) {
	var cfg Config
	if strings.TrimSpace(raw) == "" {
		return cfg, errors.New("mail: SMTP_URL is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the whole URL, password included: drop it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return cfg, fmt.Errorf("mail: SMTP_URL is not a valid URL: %v", err)
	}
	var defaultPort int
	switch strings.ToLower(u.Scheme) {
	case "smtp":
		cfg.Security, defaultPort = SecurityNone, 25
	case "smtp+starttls":
		cfg.Security, defaultPort = SecuritySTARTTLS, 587
	case "smtps":
		cfg.Security, defaultPort = SecurityTLS, 465
	case "":
		return cfg, errors.New("mail: SMTP_URL has no scheme (want smtp://, smtp+starttls:// or smtps://)")
	default:
		return cfg, fmt.Errorf("mail: SMTP_URL scheme %q is not supported (want smtp, smtp+starttls or smtps)", u.Scheme)
	}
	if u.Opaque != "" {
		return cfg, errors.New("mail: SMTP_URL must look like scheme://host:port")
	}
	cfg.Host = u.Hostname()
	if cfg.Host == "" {
		return cfg, errors.New("mail: SMTP_URL has no host")
	}
	cfg.Port = defaultPort
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return cfg, fmt.Errorf("mail: SMTP_URL port %q is not a number between 1 and 65535", p)
		}
		cfg.Port = n
	} else if strings.HasSuffix(u.Host, ":") {
		return cfg, errors.New("mail: SMTP_URL has an empty port")
	}
	if u.Path != "" && u.Path != "/" {
		return cfg, errors.New("mail: SMTP_URL must not have a path")
	}
	if u.Fragment != "" {
		return cfg, errors.New("mail: SMTP_URL must not have a fragment")
	}
	if u.User != nil {
		cfg.Username = u.User.Username()
		pw, ok := u.User.Password()
		if cfg.Username == "" {
			return cfg, errors.New("mail: SMTP_URL has a password but no user name")
		}
		if !ok {
			return cfg, errors.New("mail: SMTP_URL has a user name but no password (use user:password@host)")
		}
		cfg.Password = pw
	}

	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return cfg, fmt.Errorf("mail: SMTP_URL query: %v", err)
	}
	for key, vals := range q {
		if len(vals) != 1 {
			return cfg, fmt.Errorf("mail: SMTP_URL parameter %q given more than once", key)
		}
		v := vals[0]
		switch key {
		case "auth":
			switch strings.ToLower(v) {
			case AuthPlain, AuthLogin:
				cfg.Auth = strings.ToLower(v)
			default:
				return cfg, fmt.Errorf("mail: SMTP_URL auth=%q is not supported (want plain or login)", v)
			}
		case "insecure_skip_verify":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return cfg, fmt.Errorf("mail: SMTP_URL insecure_skip_verify=%q is not a boolean", v)
			}
			cfg.InsecureSkipVerify = b
		case "helo":
			if v == "" || strings.ContainsAny(v, " \t\r\n") {
				return cfg, errors.New("mail: SMTP_URL helo must be a host name without spaces")
			}
			cfg.HeloName = v
		default:
			return cfg, fmt.Errorf("mail: SMTP_URL parameter %q is unknown (known: auth, insecure_skip_verify, helo)", key)
		}
	}
	if cfg.Auth != "" && cfg.Username == "" {
		return cfg, errors.New("mail: SMTP_URL auth= needs user:password@ in the URL")
	}
	if cfg.Username != "" && cfg.Auth == "" {
		cfg.Auth = AuthPlain
	}
	if cfg.Security == SecurityNone {
		if cfg.InsecureSkipVerify {
			return cfg, errors.New("mail: SMTP_URL insecure_skip_verify only applies to smtp+starttls:// and smtps://")
		}
		if cfg.Username != "" && !isLoopbackHost(cfg.Host) {
			return cfg, errors.New("mail: SMTP_URL with credentials needs smtp+starttls:// or smtps:// (refusing to send the password in clear text)")
		}
	}
	return cfg, nil
}

func isLoopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// Sender delivers messages to one SMTP server. It opens one connection per
// Send and is safe for concurrent use.
type Sender struct {
	cfg Config
}

// NewSender returns a Sender for cfg.
func NewSender(cfg Config) *Sender {
	return &Sender{cfg: cfg}
}

// Config returns the sender's configuration.
func (s *Sender) Config() Config { return s.cfg }

// Stage names the step of an SMTP transaction that failed.
type Stage string

// Stages reported in SendError.
const (
	StageInput   Stage = "input"  // invalid arguments, nothing was sent (permanent)
	StageConfig  Stage = "config" // unusable Config, nothing was sent (temporary: fix the config, rows stay queued)
	StageConnect Stage = "connect"
	StageTLS     Stage = "TLS"
	StageHello   Stage = "EHLO"
	StageAuth    Stage = "AUTH"
	StageMail    Stage = "MAIL"
	StageRcpt    Stage = "RCPT"
	StageData    Stage = "DATA"
)

// SendError is returned by Sender.Send. Its message contains the stage, and
// for server rejections the server's reply; it never contains envelope
// addresses or message content.
//
// A network failure or timeout at StageData while waiting for the reply to
// the final dot may happen after the server already accepted the message;
// retrying can then deliver twice. A stable Message-ID lets recipients
// recognise the duplicate.
type SendError struct {
	Stage Stage
	// Code and EnhancedCode are the server's reply (e.g. 550 and "5.1.1");
	// Code is 0 when the failure was not an SMTP reply.
	Code         int
	EnhancedCode string
	// Reply is the server's reply text.
	Reply string
	// Recipient is the 1-based index into the to slice for StageRcpt
	// failures, 0 otherwise.
	Recipient int
	// Temp reports whether a later retry may succeed (see IsTemporary).
	Temp bool
	// Err is the underlying error.
	Err error

	total int // number of recipients, for the message
}

func (e *SendError) Error() string { return e.text(true) }

// Summary is the error without the server's reply text, which may quote
// the recipient's address: what may be kept outside the sealed outbox row
// (River's job errors, logs).
func (e *SendError) Summary() string { return e.text(false) }

func (e *SendError) text(reply bool) string {
	what := string(e.Stage)
	if e.Stage == StageRcpt && e.Recipient > 0 {
		if e.total > 0 {
			what = fmt.Sprintf("RCPT (recipient %d of %d)", e.Recipient, e.total)
		} else {
			what = fmt.Sprintf("RCPT (recipient %d)", e.Recipient)
		}
	}
	if e.Code != 0 {
		s := fmt.Sprintf("smtp: %s rejected: %d", what, e.Code)
		if e.EnhancedCode != "" {
			s += " " + e.EnhancedCode
		}
		if reply && e.Reply != "" {
			s += " " + e.Reply
		}
		return s
	}
	return fmt.Sprintf("smtp: %s failed: %v", what, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }

// Temporary reports whether the failure is worth retrying.
func (e *SendError) Temporary() bool { return e.Temp }

// IsTemporary reports whether err is a failure that may go away by itself:
// 4xx SMTP replies, network errors (including dial failures and refused
// connections), timeouts and context expiry. 5xx replies and invalid input
// are permanent. For a *SendError the classification made by Send is used;
// there TLS failures, missing STARTTLS/AUTH support and StageConfig errors
// also count as temporary (the transport or configuration is at fault, not
// the message). Other unknown errors are not temporary.
func IsTemporary(err error) bool {
	if err == nil {
		return false
	}
	var se *SendError
	if errors.As(err, &se) {
		return se.Temp
	}
	var smtpErr *smtp.SMTPError
	if errors.As(err, &smtpErr) {
		return smtpErr.Code/100 == 4
	}
	return isTransportError(err)
}

// IsPermanent reports whether err is a failure that will not go away by
// retrying (e.g. 5xx rejection): the caller should fail the outgoing row
// visibly instead of retrying.
func IsPermanent(err error) bool {
	return err != nil && !IsTemporary(err)
}

// isTransportError reports network-level failures.
func isTransportError(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}

func isTLSError(err error) bool {
	var (
		certErr    *tls.CertificateVerificationError
		recErr     tls.RecordHeaderError
		alertErr   tls.AlertError
		unknownCA  x509.UnknownAuthorityError
		hostErr    x509.HostnameError
		invalidErr x509.CertificateInvalidError
	)
	return errors.As(err, &certErr) || errors.As(err, &recErr) || errors.As(err, &alertErr) ||
		errors.As(err, &unknownCA) || errors.As(err, &hostErr) || errors.As(err, &invalidErr) ||
		strings.Contains(err.Error(), "tls: ")
}

// Send delivers msg (an RFC 5322 message, e.g. from Message.Bytes) with the
// envelope sender from and recipients to. It returns nil only after the
// server accepted the message at the end of DATA. Failures are *SendError;
// use IsTemporary / IsPermanent to decide between retrying and failing.
//
// ctx bounds the whole transaction (dial, TLS, every command); without a
// deadline Config.Timeout applies.
func (s *Sender) Send(ctx context.Context, from string, to []string, msg []byte) error {
	if se := s.checkInput(ctx, from, to, msg); se != nil {
		return se
	}
	ctx, cancel := s.withDeadline(ctx)
	defer cancel()
	ss, se := s.open(ctx, len(to))
	if se != nil {
		return se
	}
	defer ss.close()
	if err := ss.transact(ctx, s, from, to, msg); err != nil {
		return err
	}
	// The message is accepted; a failing QUIT must not cause a resend.
	_ = ss.c.Quit()
	return nil
}

// checkInput refuses what no server could take, and a configuration that
// can never work, before anything is sent.
func (s *Sender) checkInput(ctx context.Context, from string, to []string, msg []byte) *SendError {
	total := len(to)
	if len(to) == 0 {
		return &SendError{Stage: StageInput, Err: errors.New("no recipients")}
	}
	if strings.ContainsAny(from, "\r\n<> ") {
		return &SendError{Stage: StageInput, Err: errors.New("invalid envelope sender")}
	}
	for i, r := range to {
		if r == "" || strings.ContainsAny(r, "\r\n<> ") {
			return &SendError{Stage: StageInput, Err: fmt.Errorf("invalid envelope recipient %d of %d", i+1, total)}
		}
	}
	if len(msg) == 0 {
		return &SendError{Stage: StageInput, Err: errors.New("empty message")}
	}
	if err := s.checkConfig(); err != nil {
		return &SendError{Stage: StageConfig, Temp: true, Err: err}
	}
	if err := ctx.Err(); err != nil {
		return &SendError{Stage: StageConnect, Temp: true, Err: err}
	}
	return nil
}

// withDeadline gives ctx Config.Timeout when it has no deadline.
func (s *Sender) withDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	timeout := s.cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultSendTimeout
	}
	return context.WithTimeout(ctx, timeout)
}

// session is one SMTP connection, greeted (and authenticated), ready for
// a mail transaction.
type session struct {
	conn net.Conn
	c    *smtp.Client
	used time.Time // when its last transaction ended
}

func (ss *session) close() {
	_ = ss.c.Close()
	_ = ss.conn.Close()
}

// open connects, says EHLO (STARTTLS first when configured) and
// authenticates, within ctx (which must have a deadline).
func (s *Sender) open(ctx context.Context, total int) (*session, *SendError) {
	fail := func(stage Stage, err error) *SendError {
		return s.classify(ctx, stage, err, total)
	}
	deadline, _ := ctx.Deadline()
	conn, err := s.dial(ctx)
	if err != nil {
		stage := StageConnect
		if s.cfg.Security == SecurityTLS && isTLSError(err) {
			stage = StageTLS
		}
		return nil, fail(stage, err)
	}
	ok := false
	// Closing the connection is what unblocks go-smtp when ctx ends early.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	defer func() {
		if !ok {
			_ = conn.Close()
		}
	}()

	cmdTimeout := orDefault(s.cfg.CommandTimeout, DefaultCommandTimeout)
	var c *smtp.Client
	if s.cfg.Security == SecuritySTARTTLS {
		// NewClientStartTLS reads the greeting, says EHLO and shakes hands
		// before we can set the client's timeouts (and sets its own 5
		// minutes): bound the whole of it by closing the connection.
		timer := time.AfterFunc(min(cmdTimeout, time.Until(deadline)), func() { _ = conn.Close() })
		c, err = smtp.NewClientStartTLS(conn, s.tlsConfig())
		timer.Stop()
		if err != nil {
			return nil, fail(StageTLS, err)
		}
	} else {
		c = smtp.NewClient(conn)
	}
	if !s.setTimeouts(c, deadline) {
		_ = c.Close()
		return nil, fail(StageConnect, context.DeadlineExceeded)
	}

	helo := s.cfg.HeloName
	if helo == "" {
		helo = "localhost"
	}
	if err := c.Hello(helo); err != nil {
		_ = c.Close()
		return nil, fail(StageHello, err)
	}

	if s.cfg.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			_ = c.Close()
			return nil, fail(StageAuth, errors.New("server does not offer AUTH"))
		}
		var client sasl.Client = sasl.NewPlainClient("", s.cfg.Username, s.cfg.Password)
		if strings.EqualFold(s.cfg.Auth, AuthLogin) {
			client = &loginClient{username: s.cfg.Username, password: s.cfg.Password}
		}
		mech, _, _ := client.Start()
		if !c.SupportsAuth(mech) {
			_, offered := c.Extension("AUTH")
			_ = c.Close()
			return nil, fail(StageAuth, fmt.Errorf("server does not offer AUTH %s (offers: %s)", mech, offered))
		}
		if err := c.Auth(client); err != nil {
			_ = c.Close()
			return nil, fail(StageAuth, err)
		}
	}
	ok = true
	return &session{conn: conn, c: c}, nil
}

// setTimeouts caps go-smtp's per-command deadlines by deadline; false
// when it has passed.
func (s *Sender) setTimeouts(c *smtp.Client, deadline time.Time) bool {
	remaining := time.Until(deadline)
	if remaining <= 0 {
		return false
	}
	c.CommandTimeout = min(orDefault(s.cfg.CommandTimeout, DefaultCommandTimeout), remaining)
	c.SubmissionTimeout = min(orDefault(s.cfg.DataTimeout, DefaultDataTimeout), remaining)
	return true
}

// transact runs one mail transaction (MAIL, RCPT, DATA) on ss within ctx.
// nil means the server accepted the message at the end of DATA.
func (ss *session) transact(ctx context.Context, s *Sender, from string, to []string, msg []byte) *SendError {
	total := len(to)
	fail := func(stage Stage, err error) *SendError {
		return s.classify(ctx, stage, err, total)
	}
	deadline, _ := ctx.Deadline()
	stop := context.AfterFunc(ctx, func() { _ = ss.conn.Close() })
	defer stop()
	c := ss.c
	if !s.setTimeouts(c, deadline) {
		return fail(StageMail, context.DeadlineExceeded)
	}
	opts := &smtp.MailOptions{Size: int64(len(msg))}
	if !isASCII(from) || !allASCII(to) {
		if ok, _ := c.Extension("SMTPUTF8"); !ok {
			return &SendError{Stage: StageMail, total: total,
				Err: errors.New("server does not support SMTPUTF8, needed for a non-ASCII address")}
		}
		opts.UTF8 = true
	}
	if err := c.Mail(from, opts); err != nil {
		return fail(StageMail, err)
	}
	for i, r := range to {
		if err := c.Rcpt(r, nil); err != nil {
			se := fail(StageRcpt, err)
			se.Recipient = i + 1
			return se
		}
	}
	w, err := c.Data()
	if err != nil {
		return fail(StageData, err)
	}
	if _, err := io.Copy(w, bytes.NewReader(msg)); err != nil {
		return fail(StageData, err)
	}
	if err := w.Close(); err != nil {
		return fail(StageData, err)
	}
	return nil
}

// checkConfig catches configurations that can never work; ParseURL already
// refuses them, this guards hand-built Configs.
func (s *Sender) checkConfig() error {
	switch {
	case s.cfg.Host == "" || s.cfg.Port <= 0 || s.cfg.Port > 65535:
		return errors.New("SMTP host/port not configured")
	case s.cfg.Security < SecurityNone || s.cfg.Security > SecurityTLS:
		return fmt.Errorf("unknown security mode %v", s.cfg.Security)
	case s.cfg.Auth != "" && !strings.EqualFold(s.cfg.Auth, AuthPlain) && !strings.EqualFold(s.cfg.Auth, AuthLogin):
		return fmt.Errorf("unsupported auth mechanism %q", s.cfg.Auth)
	case s.cfg.Username != "" && s.cfg.Security == SecurityNone && !isLoopbackHost(s.cfg.Host):
		return errors.New("refusing to send credentials without TLS to a non-loopback host")
	}
	return nil
}

func (s *Sender) tlsConfig() *tls.Config {
	var cfg *tls.Config
	if s.cfg.TLSConfig != nil {
		cfg = s.cfg.TLSConfig.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = s.cfg.Host
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	if s.cfg.InsecureSkipVerify {
		cfg.InsecureSkipVerify = true
	}
	return cfg
}

func (s *Sender) dial(ctx context.Context) (net.Conn, error) {
	d := &net.Dialer{Timeout: orDefault(s.cfg.DialTimeout, DefaultDialTimeout)}
	if s.cfg.Security == SecurityTLS {
		td := &tls.Dialer{NetDialer: d, Config: s.tlsConfig()}
		return td.DialContext(ctx, "tcp", s.cfg.Addr())
	}
	return d.DialContext(ctx, "tcp", s.cfg.Addr())
}

// classify wraps err as a *SendError and decides whether it is temporary.
func (s *Sender) classify(ctx context.Context, stage Stage, err error, total int) *SendError {
	se := &SendError{Stage: stage, Err: err, total: total}
	var smtpErr *smtp.SMTPError
	switch {
	case errors.As(err, &smtpErr):
		se.Code = smtpErr.Code
		if smtpErr.EnhancedCode != (smtp.EnhancedCode{}) && smtpErr.EnhancedCode != smtp.NoEnhancedCode {
			ec := smtpErr.EnhancedCode
			se.EnhancedCode = fmt.Sprintf("%d.%d.%d", ec[0], ec[1], ec[2])
		}
		se.Reply = strings.ReplaceAll(smtpErr.Message, "\n", " ")
		// 4xx is temporary, 5xx permanent; anything else is a protocol
		// oddity that a retry may get past.
		se.Temp = smtpErr.Code/100 != 5
	case ctx.Err() != nil:
		// The connection was closed because ctx ended.
		se.Err = ctx.Err()
		se.Temp = true
	default:
		// Network failures, timeouts, TLS failures and servers that lack
		// STARTTLS/AUTH: the message itself is fine, the transport or the
		// configuration is not. Keep the row queued.
		if isTLSError(err) && stage != StageConnect {
			se.Stage = StageTLS
		}
		se.Temp = true
	}
	return se
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func allASCII(ss []string) bool {
	for _, s := range ss {
		if !isASCII(s) {
			return false
		}
	}
	return true
}

// loginClient implements the client side of the (obsolete but common) LOGIN
// SASL mechanism. Unlike go-sasl's client it sends no initial response and
// follows the server's "Username:" / "Password:" prompts, which is what most
// servers (Exchange, Postfix/Dovecot, ...) expect.
type loginClient struct {
	username, password string
	step               int
}

func (a *loginClient) Start() (string, []byte, error) {
	a.step = 0
	return "LOGIN", nil, nil
}

func (a *loginClient) Next(challenge []byte) ([]byte, error) {
	prompt := strings.ToLower(string(challenge))
	a.step++
	switch {
	case strings.Contains(prompt, "user"):
		return []byte(a.username), nil
	case strings.Contains(prompt, "pass"):
		return []byte(a.password), nil
	case a.step == 1:
		return []byte(a.username), nil
	case a.step == 2:
		return []byte(a.password), nil
	}
	return nil, errors.New("unexpected AUTH LOGIN challenge")
}
