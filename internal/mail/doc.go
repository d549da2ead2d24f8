// Package mail is rightsdesk's e-mail layer.
//
// It has four parts:
//
//   - Message building (Message, Message.Bytes, NewMessageID): RFC 5322
//     messages with a multipart/alternative text+HTML body, UTF-8 content,
//     quoted-printable bodies and RFC 2047 encoded subjects and display names.
//     Header injection (CR or LF in any header value) is refused.
//
//   - Sending (ParseURL, Config, Sender): delivery to a submission server given
//     as an SMTP_URL (smtp://, smtp+starttls://, smtps://), with AUTH PLAIN or
//     LOGIN. Errors are classified with IsTemporary / IsPermanent so an outbox
//     can either retry a row or fail it visibly.
//
//   - Catcher: an in-process SMTP server that accepts all mail and keeps the
//     most recent messages in memory. It is the embedded/dev default and the
//     counterpart for tests (WaitFor, SetFailure).
//
//   - Inbound: an SMTP server for mail-in that hands each accepted message to
//     an InboundHandler and answers with the proper SMTP status codes.
//
// # Personal data
//
// E-mail addresses and message contents are personal data. Nothing in this
// package puts recipient or sender addresses or message contents into error
// strings or log records; the only free text that can appear in an error is
// the SMTP server's own reply. Callers must keep it that way: do not log the
// Message, the envelope or Inbound.Raw.
package mail
