package mail

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// addrPattern matches things that look like e-mail addresses so they can be
// masked before anything reaches a log.
var addrPattern = regexp.MustCompile(`[^\s<>"'(),;:\[\]]+@[^\s<>"'(),;:\[\]]+`)

// redact masks e-mail addresses in s.
func redact(s string) string {
	return addrPattern.ReplaceAllString(s, "<redacted>")
}

// slogErrorLog adapts go-smtp's Logger to slog, masking addresses.
type slogErrorLog struct {
	logger *slog.Logger
	msg    string
}

func (l slogErrorLog) Printf(format string, v ...any) {
	l.logger.Warn(l.msg, "error", redact(fmt.Sprintf(format, v...)))
}

func (l slogErrorLog) Println(v ...any) {
	l.logger.Warn(l.msg, "error", redact(strings.TrimSuffix(fmt.Sprintln(v...), "\n")))
}

func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// loginServer is the server side of AUTH LOGIN, used by the Catcher. It
// accepts both the initial-response form and the prompt form.
type loginServer struct {
	authenticate func(username, password string) error
	username     []byte
	step         int
}

func (a *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch a.step {
	case 0:
		a.step = 1
		if response == nil {
			return []byte("Username:"), false, nil
		}
		a.username = bytes.Clone(response)
		a.step = 2
		return []byte("Password:"), false, nil
	case 1:
		a.username = bytes.Clone(response)
		a.step = 2
		return []byte("Password:"), false, nil
	case 2:
		a.step = 3
		return nil, true, a.authenticate(string(a.username), string(response))
	}
	return nil, false, sasl.ErrUnexpectedClientResponse
}

// checkUser compares credentials in constant time and returns
// smtp.ErrAuthFailed (535) on mismatch.
func checkUser(users map[string]string, username, password string) error {
	want, ok := users[username]
	if !ok {
		want = "\x00invalid" // still compare, to not leak which users exist
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(password)) != 1 || !ok {
		return smtp.ErrAuthFailed
	}
	return nil
}

// smtpErr is a shorthand for an SMTP reply.
func smtpErr(code int, enh smtp.EnhancedCode, msg string) *smtp.SMTPError {
	return &smtp.SMTPError{Code: code, EnhancedCode: enh, Message: msg}
}

var errInternal = smtpErr(451, smtp.EnhancedCode{4, 3, 0}, "Internal error, please try again later")

// errorsAsSMTP returns err as *smtp.SMTPError if it is one.
func errorsAsSMTP(err error) (*smtp.SMTPError, bool) {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se, true
	}
	return nil, false
}
