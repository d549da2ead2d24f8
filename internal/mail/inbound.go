package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Inbound is a message received by the mail-in server.
type Inbound struct {
	From string   // envelope sender (MAIL FROM); "" for bounces
	To   []string // accepted envelope recipients (RCPT TO)
	Raw  []byte   // the message as received, CRLF line endings
	// ReceivedAt is the moment the DATA phase finished, i.e. the arrival
	// time of the message.
	ReceivedAt time.Time
}

// InboundHandler stores or processes an accepted message. Returning nil
// acknowledges the message (250); the sender then forgets it, so the
// handler must have stored it durably. A returned *smtp.SMTPError is sent
// to the client as is; any other error becomes "451 4.3.0" so the sender
// retries later. Errors are logged with e-mail addresses masked; they
// should not contain personal data in the first place.
type InboundHandler func(ctx context.Context, in Inbound) error

// InboundConfig configures an InboundServer.
type InboundConfig struct {
	// Addr is the listen address, e.g. ":2525" or "127.0.0.1:0".
	Addr string
	// Domain is announced in the greeting (default "localhost").
	Domain string
	// MaxBytes is the maximum message size (default 25 MiB). Larger
	// messages are refused with 552.
	MaxBytes int64
	// MaxRecipients per message (default 100).
	MaxRecipients int
	// AcceptRcpt decides per recipient address; refused ones get
	// "550 5.1.1". Nil accepts every recipient.
	AcceptRcpt func(addr string) bool
	// Handler receives every accepted message. Required.
	Handler InboundHandler
	// HandlerTimeout bounds one Handler call (default 1 minute).
	HandlerTimeout time.Duration
	// TLSConfig optionally enables STARTTLS.
	TLSConfig *tls.Config
	Logger    *slog.Logger
	// Now returns the current time (default time.Now); used for ReceivedAt.
	Now func() time.Time
}

// InboundServer is the SMTP server for mail-in.
type InboundServer struct {
	cfg    InboundConfig
	logger *slog.Logger
	gate   logGate

	baseCtx    context.Context
	cancelBase context.CancelFunc

	mu        sync.Mutex
	server    *smtp.Server
	listener  *trackingListener
	serveDone chan struct{}
	closed    bool
	inflight  sync.WaitGroup // running Handler calls; Add only with mu held and !closed
}

// NewInbound validates cfg and returns a server that is not yet listening.
func NewInbound(cfg InboundConfig) (*InboundServer, error) {
	if cfg.Handler == nil {
		return nil, errors.New("mail: InboundConfig.Handler is required")
	}
	if cfg.Domain == "" {
		cfg.Domain = "localhost"
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = 25 << 20
	}
	if cfg.MaxRecipients <= 0 {
		cfg.MaxRecipients = 100
	}
	if cfg.HandlerTimeout <= 0 {
		cfg.HandlerTimeout = time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	gate := newLogGate(cfg.Logger)
	return &InboundServer{
		cfg:        cfg,
		logger:     slog.New(gate).With("component", "mail.inbound"),
		gate:       gate,
		baseCtx:    ctx,
		cancelBase: cancel,
	}, nil
}

// Start listens on cfg.Addr and serves in the background; it returns the
// actual listen address.
func (s *InboundServer) Start() (string, error) {
	if s.cfg.Addr == "" {
		return "", errors.New("mail: InboundConfig.Addr is empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", smtp.ErrServerClosed
	}
	if s.server != nil {
		return "", errors.New("mail: inbound server already started")
	}
	nl, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return "", err
	}
	l := newTrackingListener(nl)
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = s.cfg.Domain
	// go-smtp refuses a message once this many bytes were read and more
	// follow, so +1 makes exactly MaxBytes acceptable. Data checks again.
	srv.MaxMessageBytes = s.cfg.MaxBytes + 1
	srv.MaxRecipients = s.cfg.MaxRecipients
	srv.EnableSMTPUTF8 = true
	srv.TLSConfig = s.cfg.TLSConfig
	srv.ReadTimeout = 5 * time.Minute
	srv.WriteTimeout = time.Minute
	srv.ErrorLog = slogErrorLog{logger: s.logger, msg: "smtp server error"}
	s.server, s.listener = srv, l
	s.serveDone = make(chan struct{})
	go func() {
		defer close(s.serveDone)
		if err := srv.Serve(l); err != nil {
			s.logger.Error("inbound smtp server stopped", "error", redact(err.Error()))
		}
	}()
	actual := l.Addr().String()
	s.logger.Info("inbound smtp listening", "addr", actual, "starttls", s.cfg.TLSConfig != nil)
	return actual, nil
}

// ListenAndServe starts the server and blocks until it is closed.
func (s *InboundServer) ListenAndServe() error {
	if _, err := s.Start(); err != nil {
		return err
	}
	s.mu.Lock()
	done := s.serveDone
	s.mu.Unlock()
	<-done
	return nil
}

// Close stops listening, closes open connections, cancels running handlers
// and waits for them to return. Messages whose handler did not finish are
// not acknowledged, so senders retry them. Nothing is logged after Close
// returns.
func (s *InboundServer) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	srv, l, done := s.server, s.listener, s.serveDone
	s.mu.Unlock()
	defer s.gate.stop()
	s.cancelBase()
	var err error
	if srv != nil {
		err = srv.Close()
		l.closeAll() // also after a Shutdown that timed out
		<-done
		if errors.Is(err, smtp.ErrServerClosed) { // after Shutdown
			err = nil
		}
	}
	s.inflight.Wait()
	return err
}

// beginHandler registers a Handler call; it reports false once the server
// is closing.
func (s *InboundServer) beginHandler() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.inflight.Add(1)
	return true
}

// Shutdown stops listening and waits for open SMTP sessions to end, up to
// ctx; then it closes whatever is left like Close.
func (s *InboundServer) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	srv := s.server
	s.mu.Unlock()
	var err error
	if srv != nil {
		err = srv.Shutdown(ctx)
	}
	if cerr := s.Close(); err == nil && cerr != nil {
		err = cerr
	}
	return err
}

func (s *InboundServer) newSession(*smtp.Conn) (smtp.Session, error) {
	return &inboundSession{s: s}, nil
}

type inboundSession struct {
	s    *InboundServer
	from string
	to   []string
}

var (
	errNoSuchUser  = smtpErr(550, smtp.EnhancedCode{5, 1, 1}, "No such recipient here")
	errTooLarge    = smtpErr(552, smtp.EnhancedCode{5, 3, 4}, "Message exceeds the maximum size")
	errGarbage     = smtpErr(554, smtp.EnhancedCode{5, 6, 0}, "Message is not a valid RFC 5322 message (header section could not be parsed)")
	errLineTooLong = smtpErr(554, smtp.EnhancedCode{5, 6, 0}, "Message has a line longer than the SMTP limit")
	errTryLater    = smtpErr(451, smtp.EnhancedCode{4, 3, 0}, "Temporary failure storing the message, please try again later")
)

// recoverTo turns a panic into *err = errInternal, so that hostile input or
// a buggy callback never takes the server down.
func (ss *inboundSession) recoverTo(err *error, where string) {
	if r := recover(); r != nil {
		ss.s.logger.Error("inbound: panic recovered", "in", where,
			"panic", redact(fmt.Sprint(r)), "stack", string(debug.Stack()))
		*err = errInternal
	}
}

func (ss *inboundSession) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	ss.to = nil
	return nil
}

func (ss *inboundSession) Rcpt(to string, _ *smtp.RcptOptions) (err error) {
	defer ss.recoverTo(&err, "rcpt")
	if accept := ss.s.cfg.AcceptRcpt; accept != nil && !accept(to) {
		ss.s.logger.Info("inbound: recipient refused")
		return errNoSuchUser
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *inboundSession) Data(r io.Reader) (err error) {
	defer ss.recoverTo(&err, "data")
	maxBytes := ss.s.cfg.MaxBytes
	raw, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		if se, ok := errorsAsSMTP(err); ok && se.Code == smtp.ErrDataTooLarge.Code {
			ss.s.logger.Info("inbound: message refused", "reason", "too large", "max_bytes", maxBytes)
			return errTooLarge
		}
		if errors.Is(err, smtp.ErrTooLongLine) {
			ss.s.logger.Info("inbound: message refused", "reason", "line too long")
			return errLineTooLong
		}
		ss.s.logger.Info("inbound: reading message failed", "error", redact(err.Error()))
		return smtpErr(451, smtp.EnhancedCode{4, 3, 0}, "Error reading message")
	}
	receivedAt := ss.s.cfg.Now()
	if int64(len(raw)) > maxBytes {
		ss.s.logger.Info("inbound: message refused", "reason", "too large", "max_bytes", maxBytes)
		return errTooLarge
	}
	if _, perr := parseRaw(raw); perr != nil {
		ss.s.logger.Info("inbound: message refused", "reason", "unparseable", "bytes", len(raw))
		return errGarbage
	}

	in := Inbound{
		From:       ss.from,
		To:         slices.Clone(ss.to),
		Raw:        raw,
		ReceivedAt: receivedAt,
	}
	start := time.Now()
	if herr := ss.callHandler(in); herr != nil {
		if se, ok := errorsAsSMTP(herr); ok {
			ss.s.logger.Warn("inbound: handler refused message", "code", se.Code, "bytes", len(raw))
			return se
		}
		ss.s.logger.Error("inbound: handler failed, answering 451", "error", redact(herr.Error()), "bytes", len(raw))
		return errTryLater
	}
	ss.s.logger.Info("inbound: message accepted", "bytes", len(raw), "recipients", len(in.To),
		"handler_ms", time.Since(start).Milliseconds())
	return nil
}

// callHandler runs the handler with a timeout and converts a panic into an
// error.
func (ss *inboundSession) callHandler(in Inbound) (err error) {
	defer func() {
		if r := recover(); r != nil {
			ss.s.logger.Error("inbound: handler panicked", "panic", redact(fmt.Sprint(r)), "stack", string(debug.Stack()))
			err = fmt.Errorf("handler panicked")
		}
	}()
	if !ss.s.beginHandler() {
		return errors.New("server is shutting down")
	}
	defer ss.s.inflight.Done()
	ctx, cancel := context.WithTimeout(ss.s.baseCtx, ss.s.cfg.HandlerTimeout)
	defer cancel()
	return ss.s.cfg.Handler(ctx, in)
}

func (ss *inboundSession) Reset() {
	ss.from = ""
	ss.to = nil
}

func (ss *inboundSession) Logout() error { return nil }
