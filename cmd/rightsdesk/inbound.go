package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"rightsdesk/internal/mail"
	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// inboundMaxBytes bounds an emailed request (issue 6); larger ones are
// refused with 552 and the sender is told.
const inboundMaxBytes = 10 << 20

// startInbound starts the inbound mail listener when SMTP_LISTEN is set:
// requests emailed to an organisation's privacy address become cases that
// need triage, received at arrival (DL-4, D-8). Other recipients are
// refused with 550. The listener is closed on shutdown, and a message
// whose case was not stored gets a 451 so the sender retries it.
func (a *app) startInbound(ctx context.Context) error {
	if a.cfg.SMTPListen == "" {
		return nil
	}
	lookup := func(ctx context.Context, addr string) (store.Org, error) {
		return store.New(a.pool).OrgByPrivacyEmail(ctx, strings.TrimSpace(addr))
	}
	var tlsCfg *tls.Config
	if a.cfg.SMTPListenTLSCert != "" { // SMTP_LISTEN_TLS: offer STARTTLS (issue 17)
		cert, err := tls.LoadX509KeyPair(a.cfg.SMTPListenTLSCert, a.cfg.SMTPListenTLSKey)
		if err != nil {
			return fmt.Errorf("SMTP_LISTEN_TLS: loading the certificate and key: %w", err)
		}
		tlsCfg = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	srv, err := mail.NewInbound(mail.InboundConfig{
		Addr:      a.cfg.SMTPListen,
		TLSConfig: tlsCfg,
		MaxBytes:  inboundMaxBytes,
		Logger:    a.log,
		Now:       a.wf.Now,
		AcceptRcpt: func(addr string) bool {
			lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			_, err := lookup(lctx, addr)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				a.log.Error("inbound: recipient lookup failed", "err", err)
			}
			return err == nil
		},
		Handler: func(ctx context.Context, in mail.Inbound) error {
			return a.receive(ctx, lookup, in)
		},
	})
	if err != nil {
		return err
	}
	addr, err := srv.Start()
	if err != nil {
		return fmt.Errorf("SMTP_LISTEN %s: %w", a.cfg.SMTPListen, err)
	}
	a.inbound = addr
	a.closers = append(a.closers, func() {
		if err := srv.Close(); err != nil {
			a.log.Error("closing the inbound mail listener", "err", err)
		}
	})
	a.log.Info("inbound mail listening", "addr", addr)
	return nil
}

// errUnreadable: a message the SMTP layer accepted as RFC 5322 but net/mail
// cannot read; retrying would not help.
var errUnreadable = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Message could not be read"}

// receive stores one accepted message: one case per organisation among
// its recipients (two addresses of one organisation make one case).
func (a *app) receive(ctx context.Context, lookup func(context.Context, string) (store.Org, error), in mail.Inbound) error {
	if _, err := netmail.ReadMessage(strings.NewReader(string(in.Raw))); err != nil {
		return errUnreadable
	}
	done := map[int64]bool{}
	for _, to := range in.To {
		org, err := lookup(ctx, to)
		if errors.Is(err, store.ErrNotFound) {
			continue // removed since RCPT; the other recipients still count
		}
		if err != nil {
			return err
		}
		if done[org.ID] {
			continue
		}
		if _, err := a.wf.ReceiveEmail(ctx, org, workflow.InboundMail{To: to, From: in.From, Raw: in.Raw, ReceivedAt: in.ReceivedAt}); err != nil {
			return fmt.Errorf("storing an emailed request for %s: %w", org.Slug, err)
		}
		done[org.ID] = true
	}
	return nil
}
