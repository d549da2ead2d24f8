package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	netmail "net/mail"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// DefaultCatcherMessages is how many messages a Catcher keeps by default.
const DefaultCatcherMessages = 1000

// CatcherOptions configures a Catcher. The zero value is a plain SMTP server
// without AUTH that keeps DefaultCatcherMessages messages.
type CatcherOptions struct {
	// TLSConfig enables STARTTLS, or implicit TLS with ImplicitTLS.
	TLSConfig   *tls.Config
	ImplicitTLS bool
	// Users enables AUTH PLAIN and LOGIN (user name -> password). When set,
	// MAIL is refused until the client authenticated. AUTH is only offered
	// over TLS unless AllowInsecureAuth is set.
	Users             map[string]string
	AllowInsecureAuth bool
	// MaxMessages bounds the number of kept messages (oldest are dropped).
	MaxMessages int
	// MaxBytes bounds the message size (default 25 MiB).
	MaxBytes int64
	// Domain is announced in the greeting (default "localhost").
	Domain string
}

// Caught is a message received by a Catcher.
type Caught struct {
	ID       string
	From     string   // envelope sender (MAIL FROM)
	To       []string // envelope recipients (RCPT TO)
	Received time.Time
	Raw      []byte

	// Decoded view of Raw. Text and HTML have "\n" line endings.
	Subject   string
	MessageID string
	Text      string
	HTML      string
	Headers   netmail.Header
	// ParseError is set when Raw could not be parsed; the message is kept
	// anyway.
	ParseError string
	// parsed: the decoded view has been filled. A message is parsed when
	// first read (Messages, Get, WaitFor), not when it arrives: a burst of
	// mail nobody reads costs no MIME decoding (issue 21).
	parsed bool

	// AuthUser is the user name the client authenticated as, if any.
	AuthUser string
	// TLS reports whether the message arrived over TLS.
	TLS bool
}

// ErrCatcherClosed is returned by WaitFor once the Catcher was closed.
var ErrCatcherClosed = errors.New("mail: catcher closed")

// Catcher is an in-process SMTP server that accepts all mail and keeps the
// most recent messages in memory. It is the embedded/dev default outgoing
// server and a test double for the Sender.
type Catcher struct {
	logger *slog.Logger
	gate   logGate
	opts   CatcherOptions

	mu          sync.Mutex
	msgs        []Caught // oldest first
	seq         int
	notify      chan struct{} // closed and replaced on every new message
	rcptFailure *smtp.SMTPError
	dataFailure *smtp.SMTPError

	server    *smtp.Server
	listener  net.Listener
	serveDone chan struct{}
	closed    chan struct{}
	closeOnce sync.Once
}

// NewCatcher returns a plain catcher with default options.
func NewCatcher(logger *slog.Logger) *Catcher {
	return NewCatcherWithOptions(logger, CatcherOptions{})
}

// NewCatcherWithOptions returns a catcher configured by opts.
func NewCatcherWithOptions(logger *slog.Logger, opts CatcherOptions) *Catcher {
	if opts.MaxMessages <= 0 {
		opts.MaxMessages = DefaultCatcherMessages
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 25 << 20
	}
	if opts.Domain == "" {
		opts.Domain = "localhost"
	}
	gate := newLogGate(logger)
	return &Catcher{
		logger: slog.New(gate).With("component", "mail.catcher"),
		gate:   gate,
		opts:   opts,
		notify: make(chan struct{}),
		closed: make(chan struct{}),
	}
}

// Start listens on addr ("127.0.0.1:0" picks a free port) and serves in the
// background. It returns the actual address.
func (c *Catcher) Start(addr string) (string, error) {
	if c.opts.ImplicitTLS && c.opts.TLSConfig == nil {
		return "", errors.New("mail: catcher ImplicitTLS needs a TLSConfig")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.server != nil {
		return "", errors.New("mail: catcher already started")
	}
	select {
	case <-c.closed:
		return "", ErrCatcherClosed
	default:
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	s := smtp.NewServer(smtp.BackendFunc(c.newSession))
	s.Domain = c.opts.Domain
	s.MaxMessageBytes = c.opts.MaxBytes
	s.MaxRecipients = 1000
	s.EnableSMTPUTF8 = true
	s.AllowInsecureAuth = c.opts.AllowInsecureAuth
	s.ReadTimeout = 5 * time.Minute
	s.WriteTimeout = time.Minute
	s.ErrorLog = slogErrorLog{logger: c.logger, msg: "smtp server error"}
	if c.opts.TLSConfig != nil {
		s.TLSConfig = c.opts.TLSConfig
		if c.opts.ImplicitTLS {
			l = tls.NewListener(l, c.opts.TLSConfig)
			s.TLSConfig = nil // no STARTTLS on top of implicit TLS
		}
	}
	c.server, c.listener = s, l
	c.serveDone = make(chan struct{})
	go func() {
		defer close(c.serveDone)
		if err := s.Serve(l); err != nil {
			c.logger.Warn("catcher stopped", "error", redact(err.Error()))
		}
	}()
	actual := l.Addr().String()
	c.logger.Info("mail catcher listening", "addr", actual, "tls", c.opts.TLSConfig != nil, "implicit_tls", c.opts.ImplicitTLS)
	return actual, nil
}

// Close stops the server and closes all connections. Kept messages stay
// readable. Close is idempotent.
func (c *Catcher) Close() error {
	var err error
	c.closeOnce.Do(func() {
		close(c.closed)
		c.mu.Lock()
		s, l, done := c.server, c.listener, c.serveDone
		c.mu.Unlock()
		defer c.gate.stop()
		if s == nil {
			return
		}
		err = s.Close()
		_ = l.Close() // in case Serve had not registered it yet
		<-done
	})
	return err
}

// SetFailure makes the catcher reject every RCPT with err (e.g. a 451 or 550
// *smtp.SMTPError) until called with nil.
func (c *Catcher) SetFailure(err *smtp.SMTPError) {
	c.mu.Lock()
	c.rcptFailure = err
	c.mu.Unlock()
}

// SetDataFailure makes the catcher reject every message at the end of DATA
// with err (the body is read and discarded) until called with nil.
func (c *Catcher) SetDataFailure(err *smtp.SMTPError) {
	c.mu.Lock()
	c.dataFailure = err
	c.mu.Unlock()
}

// Messages returns the kept messages, newest first.
func (c *Catcher) Messages() []Caught {
	c.mu.Lock()
	defer c.mu.Unlock()
	lo := c.oldest()
	out := make([]Caught, 0, len(c.msgs)-lo)
	for i := len(c.msgs) - 1; i >= lo; i-- {
		out = append(out, c.read(i))
	}
	return out
}

// Get returns the kept message with the given ID.
func (c *Catcher) Get(id string) (Caught, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := c.oldest(); i < len(c.msgs); i++ {
		if c.msgs[i].ID == id {
			return c.read(i), true
		}
	}
	return Caught{}, false
}

// WaitFor returns the newest kept message for which match returns true, or
// waits for one to arrive. It returns ctx.Err() when ctx ends first and
// ErrCatcherClosed when the catcher is closed while waiting.
func (c *Catcher) WaitFor(ctx context.Context, match func(Caught) bool) (Caught, error) {
	seen := 0 // number of messages (by sequence) already checked
	for {
		c.mu.Lock()
		var found *Caught
		for i := len(c.msgs) - 1; i >= c.oldest(); i-- {
			if c.seqOf(i) <= seen {
				break
			}
			if m := c.read(i); match(m) {
				found = &m
				break
			}
		}
		seen = c.seq
		notify := c.notify
		c.mu.Unlock()
		if found != nil {
			return *found, nil
		}
		select {
		case <-notify:
		case <-ctx.Done():
			return Caught{}, ctx.Err()
		case <-c.closed:
			return Caught{}, ErrCatcherClosed
		}
	}
}

// oldest is the index in c.msgs of the oldest kept message: c.msgs holds
// up to twice MaxMessages, so that dropping the oldest is a copy now and
// then instead of a shift of every kept message on each arrival. c.mu must
// be held.
func (c *Catcher) oldest() int {
	return max(0, len(c.msgs)-c.opts.MaxMessages)
}

// read returns c.msgs[i], parsed; c.mu must be held.
func (c *Catcher) read(i int) Caught {
	m := &c.msgs[i]
	if !m.parsed {
		p, err := parseRaw(m.Raw)
		if err != nil {
			m.ParseError = err.Error()
		}
		m.Headers, m.Subject, m.MessageID, m.Text, m.HTML = p.Header, p.Subject, p.MessageID, p.Text, p.HTML
		m.parsed = true
	}
	return *m
}

// seqOf returns the sequence number of c.msgs[i]; c.mu must be held.
func (c *Catcher) seqOf(i int) int {
	return c.seq - (len(c.msgs) - 1 - i)
}

func (c *Catcher) add(m Caught) Caught {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	m.ID = strconv.Itoa(c.seq)
	c.msgs = append(c.msgs, m)
	if len(c.msgs) >= 2*c.opts.MaxMessages {
		c.msgs = slices.Clone(c.msgs[c.oldest():])
	}
	close(c.notify)
	c.notify = make(chan struct{})
	return m
}

func (c *Catcher) failures() (rcpt, data *smtp.SMTPError) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rcptFailure, c.dataFailure
}

func (c *Catcher) newSession(conn *smtp.Conn) (smtp.Session, error) {
	_, isTLS := conn.TLSConnectionState()
	return &catcherSession{c: c, tls: isTLS}, nil
}

type catcherSession struct {
	c        *Catcher
	tls      bool
	authUser string
	from     string
	to       []string
}

var _ smtp.AuthSession = (*catcherSession)(nil)

func (s *catcherSession) AuthMechanisms() []string {
	if s.c.opts.Users == nil {
		return nil
	}
	return []string{sasl.Plain, sasl.Login}
}

func (s *catcherSession) Auth(mech string) (sasl.Server, error) {
	users := s.c.opts.Users
	if users == nil {
		return nil, smtp.ErrAuthUnsupported
	}
	login := func(username, password string) error {
		if err := checkUser(users, username, password); err != nil {
			s.c.logger.Info("catcher: authentication failed", "mechanism", mech)
			return err
		}
		s.authUser = username
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, username, password string) error {
			if identity != "" && identity != username {
				return smtp.ErrAuthFailed
			}
			return login(username, password)
		}), nil
	case sasl.Login:
		return &loginServer{authenticate: login}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (s *catcherSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.c.opts.Users != nil && s.authUser == "" {
		return smtp.ErrAuthRequired
	}
	s.from = from
	s.to = nil
	return nil
}

func (s *catcherSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if rcptErr, _ := s.c.failures(); rcptErr != nil {
		return rcptErr
	}
	s.to = append(s.to, to)
	return nil
}

func (s *catcherSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		if se, ok := errorsAsSMTP(err); ok {
			return se
		}
		return smtpErr(451, smtp.EnhancedCode{4, 3, 0}, "Error reading message")
	}
	if _, dataErr := s.c.failures(); dataErr != nil {
		return dataErr
	}
	m := Caught{
		From:     s.from,
		To:       slices.Clone(s.to),
		Received: time.Now(),
		Raw:      raw,
		AuthUser: s.authUser,
		TLS:      s.tls,
	}
	m = s.c.add(m)
	s.c.logger.Debug("catcher: message received", "id", m.ID, "bytes", len(raw), "recipients", len(m.To))
	return nil
}

func (s *catcherSession) Reset() {
	s.from = ""
	s.to = nil
}

func (s *catcherSession) Logout() error { return nil }
