package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/textproto"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Message is an outgoing e-mail. Build the wire form with Bytes and the SMTP
// envelope with Envelope.
type Message struct {
	// From is a single mailbox, either "addr@example.com" or
	// "Display Name <addr@example.com>". Non-ASCII display names are
	// RFC 2047 encoded.
	From string
	// To holds one mailbox per element, in the same forms as From.
	To []string
	// ReplyTo is an optional single mailbox.
	ReplyTo string

	Subject string
	// Text is the text/plain body, HTML the text/html body. With both set the
	// message is multipart/alternative; with one set it is a single part.
	Text string
	HTML string

	// MessageID must be stable for a given outgoing row (for example
	// NewMessageID("outbox-123", "rightsdesk.example") gives
	// "<outbox-123@rightsdesk.example>") so that a retried delivery is
	// recognisable as the same message. If empty a random one is generated.
	MessageID string
	// Date defaults to the current time when zero.
	Date time.Time
	// Auto marks the message as machine generated (RFC 3834
	// "Auto-Submitted: auto-generated"), which keeps well-behaved
	// auto-responders from replying.
	Auto bool
	// Headers are extra header fields such as "X-Rightsdesk-Case" or
	// "In-Reply-To". Fields that Message sets itself (From, To, Subject, Date,
	// Message-ID, MIME-Version, Content-*, Auto-Submitted,
	// X-Auto-Response-Suppress, Reply-To, Sender, Cc, Bcc) are refused.
	Headers map[string]string
}

// ErrHeaderInjection is wrapped by errors from Message.Bytes when a header
// value contains CR or LF.
var ErrHeaderInjection = errors.New("mail: CR or LF in header value")

// reservedHeaders are set from Message fields and may not be given in Headers.
var reservedHeaders = map[string]bool{
	"From": true, "To": true, "Cc": true, "Bcc": true, "Reply-To": true,
	"Subject": true, "Date": true, "Message-Id": true, "Mime-Version": true,
	"Content-Type": true, "Content-Transfer-Encoding": true,
	"Auto-Submitted": true, "X-Auto-Response-Suppress": true, "Sender": true,
}

// maxLineLen is the folding target for header lines (RFC 5322 2.1.1).
const maxLineLen = 78

// NewMessageID returns a Message-ID "<id@domain>". Characters of id and
// domain that are not allowed in a Message-ID are replaced by '-', so the
// result is always a valid header value; an empty domain becomes
// "rightsdesk.invalid".
func NewMessageID(id string, domain string) string {
	id = sanitizeIDPart(id, isAtext)
	domain = sanitizeIDPart(strings.TrimSpace(domain), isDomainChar)
	if id == "" {
		id = randomHex(16)
	}
	if domain == "" {
		domain = "rightsdesk.invalid"
	}
	return "<" + id + "@" + domain + ">"
}

func sanitizeIDPart(s string, ok func(rune) bool) string {
	var b strings.Builder
	for _, r := range s {
		if ok(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), ".")
}

// isAtext reports whether r may appear in a dot-atom (RFC 5322 3.2.3).
func isAtext(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	}
	return strings.ContainsRune("!#$%&'*+-/=?^_`{|}~.", r)
}

func isDomainChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.'
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// validMessageID is a permissive check of the msg-id form "<left@right>".
func validMessageID(id string) bool {
	if len(id) < 5 || len(id) > 900 || id[0] != '<' || id[len(id)-1] != '>' {
		return false
	}
	inner := id[1 : len(id)-1]
	left, right, ok := strings.Cut(inner, "@")
	if !ok || left == "" || right == "" || strings.Contains(right, "@") {
		return false
	}
	for i := 0; i < len(inner); i++ {
		c := inner[i]
		if c <= ' ' || c > '~' || c == '<' || c == '>' {
			return false
		}
	}
	return true
}

// Envelope returns the bare SMTP envelope addresses (MAIL FROM and RCPT TO)
// for the message.
func (m Message) Envelope() (from string, to []string, err error) {
	f, err := parseMailbox("From", m.From)
	if err != nil {
		return "", nil, err
	}
	if len(m.To) == 0 {
		return "", nil, errors.New("mail: message has no recipients")
	}
	for i, s := range m.To {
		a, err := parseMailbox(fmt.Sprintf("To[%d]", i), s)
		if err != nil {
			return "", nil, err
		}
		to = append(to, a.Address)
	}
	return f.Address, to, nil
}

// parseMailbox parses a single mailbox. The error never contains the
// (personal) address itself, only which field was wrong.
func parseMailbox(field, s string) (*netmail.Address, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, fmt.Errorf("%w: %s", ErrHeaderInjection, field)
	}
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("mail: %s is empty", field)
	}
	a, err := netmail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("mail: %s is not a valid mailbox", field)
	}
	return a, nil
}

// Bytes renders the message in RFC 5322 form with CRLF line endings.
func (m Message) Bytes() ([]byte, error) {
	from, err := parseMailbox("From", m.From)
	if err != nil {
		return nil, err
	}
	if len(m.To) == 0 {
		return nil, errors.New("mail: message has no recipients")
	}
	to := make([]string, 0, len(m.To))
	for i, s := range m.To {
		a, err := parseMailbox(fmt.Sprintf("To[%d]", i), s)
		if err != nil {
			return nil, err
		}
		to = append(to, formatAddress(a))
	}
	var replyTo *netmail.Address
	if m.ReplyTo != "" {
		if replyTo, err = parseMailbox("Reply-To", m.ReplyTo); err != nil {
			return nil, err
		}
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		return nil, fmt.Errorf("%w: Subject", ErrHeaderInjection)
	}

	msgID := strings.TrimSpace(m.MessageID)
	if strings.ContainsAny(msgID, "\r\n") {
		return nil, fmt.Errorf("%w: Message-ID", ErrHeaderInjection)
	}
	if msgID == "" {
		_, domain, _ := strings.Cut(from.Address, "@")
		msgID = NewMessageID("", domain)
	} else if !validMessageID(msgID) {
		return nil, errors.New(`mail: Message-ID must look like "<id@domain>" (see NewMessageID)`)
	}

	extra, err := checkExtraHeaders(m.Headers)
	if err != nil {
		return nil, err
	}

	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}

	var b bytes.Buffer
	writeHeader(&b, "Date", date.Format(time.RFC1123Z))
	writeHeader(&b, "From", formatAddress(from))
	writeHeader(&b, "To", strings.Join(to, ", "))
	if replyTo != nil {
		writeHeader(&b, "Reply-To", formatAddress(replyTo))
	}
	writeHeader(&b, "Subject", encodeUnstructured(m.Subject))
	writeHeader(&b, "Message-ID", msgID)
	if m.Auto {
		writeHeader(&b, "Auto-Submitted", "auto-generated")
		// Exchange/Outlook honour this rather than Auto-Submitted.
		writeHeader(&b, "X-Auto-Response-Suppress", "All")
	}
	for _, h := range extra {
		// ASCII values are written as given (they may be structured, like
		// In-Reply-To); others are RFC 2047 encoded.
		v := h[1]
		if needsEncoding(v) {
			v = qEncode(v)
		}
		writeHeader(&b, h[0], v)
	}
	writeHeader(&b, "MIME-Version", "1.0")

	switch {
	case m.HTML != "" && m.Text != "":
		mw := multipart.NewWriter(&b)
		writeHeader(&b, "Content-Type", mime.FormatMediaType("multipart/alternative",
			map[string]string{"boundary": mw.Boundary()}))
		b.WriteString("\r\n")
		if err := writeTextPart(mw, "text/plain", m.Text); err != nil {
			return nil, err
		}
		if err := writeTextPart(mw, "text/html", m.HTML); err != nil {
			return nil, err
		}
		if err := mw.Close(); err != nil {
			return nil, err
		}
	default:
		ct, body := "text/plain", m.Text
		if m.HTML != "" {
			ct, body = "text/html", m.HTML
		}
		writeHeader(&b, "Content-Type", ct+"; charset=utf-8")
		writeHeader(&b, "Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		if err := writeQP(&b, body); err != nil {
			return nil, err
		}
		if !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
			b.WriteString("\r\n")
		}
	}
	return b.Bytes(), nil
}

// checkExtraHeaders validates the caller's extra header fields and returns
// them sorted by canonical name.
func checkExtraHeaders(h map[string]string) ([][2]string, error) {
	out := make([][2]string, 0, len(h))
	seen := map[string]bool{}
	for name, value := range h {
		if !validHeaderName(name) {
			// Echo only the valid prefix: the rest could be anything,
			// including an address.
			prefix := name
			if i := strings.IndexFunc(name, func(r rune) bool { return r <= ' ' || r > '~' || r == ':' }); i >= 0 {
				prefix = name[:i]
			}
			if len(prefix) > 40 {
				prefix = prefix[:40]
			}
			return nil, fmt.Errorf("mail: invalid header name starting with %q (printable ASCII without ':', at most 76 characters)", prefix)
		}
		canon := textproto.CanonicalMIMEHeaderKey(name)
		if reservedHeaders[canon] {
			return nil, fmt.Errorf("mail: header %q is set from Message fields, not Headers", canon)
		}
		if seen[canon] {
			return nil, fmt.Errorf("mail: header %q given twice", canon)
		}
		seen[canon] = true
		if strings.ContainsAny(value, "\r\n") {
			return nil, fmt.Errorf("%w: %s", ErrHeaderInjection, canon)
		}
		for _, w := range strings.Split(value, " ") {
			if len(w) > 900 {
				return nil, fmt.Errorf("mail: header %q has a word too long to fold", canon)
			}
		}
		out = append(out, [2]string{name, value})
	}
	sort.Slice(out, func(i, j int) bool {
		return textproto.CanonicalMIMEHeaderKey(out[i][0]) < textproto.CanonicalMIMEHeaderKey(out[j][0])
	})
	return out, nil
}

// validHeaderName checks RFC 5322 field-name: printable ASCII except ':'.
func validHeaderName(name string) bool {
	if name == "" || len(name) > 76 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c < 33 || c > 126 || c == ':' {
			return false
		}
	}
	return true
}

// encodeUnstructured returns s as an unstructured header value: unchanged if
// it is printable ASCII that can be folded, RFC 2047 Q-encoded otherwise.
func encodeUnstructured(s string) string {
	if needsEncoding(s) {
		return qEncode(s)
	}
	// Plain ASCII: make sure it can be folded below the line length limit
	// and that it does not accidentally look like an encoded-word.
	for _, w := range strings.Split(s, " ") {
		if len(w) > maxLineLen-12 || (strings.HasPrefix(w, "=?") && strings.HasSuffix(w, "?=")) {
			return qEncode(s)
		}
	}
	return s
}

// needsEncoding reports whether s has bytes that cannot appear literally in
// a header: control characters (other than tab) and non-ASCII.
func needsEncoding(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c >= 0x7f {
			return true
		}
	}
	return false
}

// maxEncodedWord is the length of the encoded-words qEncode produces. It is
// below RFC 2047's 75 so that "Subject: " plus one word stays within 76.
const maxEncodedWord = 60

// qEncode encodes s as RFC 2047 "Q" encoded-words (UTF-8) separated by
// spaces. Words never split a UTF-8 sequence and only use characters that
// are safe in both unstructured text and phrases (display names).
func qEncode(s string) string {
	const prefix, suffix = "=?utf-8?q?", "?="
	room := maxEncodedWord - len(prefix) - len(suffix)
	var words []string
	var cur strings.Builder
	for _, r := range s {
		var enc strings.Builder
		var buf [utf8.UTFMax]byte
		for _, c := range buf[:utf8.EncodeRune(buf[:], r)] {
			switch {
			case c == ' ':
				enc.WriteByte('_')
			case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', strings.IndexByte("!*+-/", c) >= 0:
				enc.WriteByte(c)
			default:
				fmt.Fprintf(&enc, "=%02X", c)
			}
		}
		if cur.Len() > 0 && cur.Len()+enc.Len() > room {
			words = append(words, prefix+cur.String()+suffix)
			cur.Reset()
		}
		cur.WriteString(enc.String())
	}
	words = append(words, prefix+cur.String()+suffix)
	return strings.Join(words, " ")
}

// formatAddress renders a mailbox with an RFC 2047 encoded display name
// when the name is not plain ASCII.
func formatAddress(a *netmail.Address) string {
	if a.Name == "" || !needsEncoding(a.Name) {
		return a.String()
	}
	return qEncode(a.Name) + " " + (&netmail.Address{Address: a.Address}).String()
}

// writeHeader writes "Name: value" folded at spaces to stay near 78
// characters per line. value must be ASCII without CR/LF.
func writeHeader(b *bytes.Buffer, name, value string) {
	b.WriteString(name)
	b.WriteString(":")
	lineLen := len(name) + 1
	words := strings.Split(value, " ")
	for _, w := range words {
		// Each word is preceded by one space; fold by turning that space
		// into CRLF SP when the line would get too long. Never produce a
		// whitespace-only line. Only very long header names make the first
		// word move to a continuation line.
		if w != "" && lineLen > 1 && lineLen+1+len(w) > maxLineLen {
			b.WriteString("\r\n")
			lineLen = 0
		}
		b.WriteString(" ")
		b.WriteString(w)
		lineLen += 1 + len(w)
	}
	b.WriteString("\r\n")
}

func writeTextPart(mw *multipart.Writer, mediaType, body string) error {
	h := textproto.MIMEHeader{}
	h.Set("Content-Type", mediaType+"; charset=utf-8")
	h.Set("Content-Transfer-Encoding", "quoted-printable")
	w, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := writeQP(&b, body); err != nil {
		return err
	}
	_, err = w.Write(b.Bytes())
	return err
}

// writeQP writes body quoted-printable encoded with CRLF line breaks.
func writeQP(b *bytes.Buffer, body string) error {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	body = strings.ReplaceAll(body, "\r", "\n")
	qp := quotedprintable.NewWriter(b)
	if _, err := qp.Write([]byte(body)); err != nil {
		return err
	}
	return qp.Close()
}
