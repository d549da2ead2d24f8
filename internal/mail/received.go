package mail

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	message "github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // ISO-8859-*, Windows-125x, ... for bodies and headers
	gomail "github.com/emersion/go-message/mail"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/ianaindex"
)

// Received is an inbound message decoded for a case (issue 17): what the
// sender wrote and what they attached. Everything in it is personal data.
type Received struct {
	Subject   string
	FromName  string
	FromAddr  string
	MessageID string // as in the header, "<...>"; "" when missing
	Date      time.Time
	// Text is the plain-text body, or the text of the HTML body when the
	// message has no plain one. The text of attached (forwarded) messages
	// follows, each under a short header block. Line ends are "\n".
	Text        string
	Attachments []Attachment
}

// Attachment is one file of an inbound message (nested messages included).
type Attachment struct {
	Filename    string // decoded (RFC 2047, RFC 2231); never empty
	ContentType string // media type without parameters
	Data        []byte
}

// Limits that keep hostile input bounded; the message itself is already
// bounded by the listener's size limit.
const (
	maxReceivedDepth       = 5  // nested message/rfc822
	maxReceivedAttachments = 50 // more are dropped (the raw message keeps them)
)

// ParseReceived decodes an inbound message with go-message: multipart
// alternative/mixed/related, nested message/rfc822, base64 and
// quoted-printable, and any charset golang.org/x/text knows, in bodies and
// headers. An error means the header section could not be read at all;
// parts that cannot be decoded are skipped or kept as raw bytes.
func ParseReceived(raw []byte) (r Received, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("mail: panic while decoding message: %v", p)
		}
	}()
	mr, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		return r, fmt.Errorf("mail: reading message: %w", err)
	}
	h := mr.Header
	r.Subject = headerText(&h.Header, "Subject")
	if list, err := h.AddressList("From"); err == nil && len(list) > 0 {
		r.FromName, r.FromAddr = fixText(list[0].Name), list[0].Address
	} else if a, err := netmail.ParseAddress(headerText(&h.Header, "From")); err == nil {
		r.FromName, r.FromAddr = a.Name, a.Address
	}
	r.MessageID = strings.TrimSpace(h.Get("Message-Id"))
	r.Date, _ = h.Date()
	var w receivedWalker
	r.Text = w.message(mr, 0)
	r.Attachments = w.files
	// Issue 16 item 7: what is stored is text PostgreSQL can hold and a
	// person meant, as the web form's edge demands (api/edge.go): control
	// characters other than tab and line breaks are dropped.
	r.Subject, r.FromName, r.FromAddr = CleanText(r.Subject), CleanText(r.FromName), CleanText(r.FromAddr)
	r.MessageID, r.Text = CleanText(r.MessageID), CleanText(r.Text)
	for i := range r.Attachments {
		a := &r.Attachments[i]
		a.ContentType = CleanText(a.ContentType)
		if a.Filename = strings.TrimSpace(CleanText(a.Filename)); a.Filename == "" {
			a.Filename = "attachment" + extensionFor(a.ContentType)
		}
	}
	return r, nil
}

// CleanText returns s as valid UTF-8 (invalid bytes read as Windows-1252)
// without NUL and the other C0 control characters except tab and line
// breaks, nor DEL: what the web form would have refused.
func CleanText(s string) string {
	s = fixText(s)
	if strings.IndexFunc(s, badRune) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if badRune(r) {
			return -1
		}
		return r
	}, s)
}

func badRune(r rune) bool {
	return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f
}

type receivedWalker struct {
	files []Attachment
}

// message reads the parts of one (possibly nested) message and returns its
// text: the plain parts, else the HTML parts as text, then nested messages.
func (w *receivedWalker) message(mr *gomail.Reader, depth int) string {
	defer mr.Close()
	var plain, html, nested []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
			break // a broken structure: keep what was read
		}
		var ph *message.Header
		switch ph0 := p.Header.(type) {
		case *gomail.InlineHeader:
			ph = &ph0.Header
		case *gomail.AttachmentHeader:
			ph = &ph0.Header
		default:
			continue
		}
		mt, _, _ := ph.ContentType()
		if mt == "" {
			mt = "text/plain"
		}
		disp, _, _ := ph.ContentDisposition()
		data, rerr := io.ReadAll(p.Body)
		if rerr != nil && len(data) == 0 {
			continue
		}
		_, inline := p.Header.(*gomail.InlineHeader)
		switch {
		case mt == "message/rfc822" && depth < maxReceivedDepth:
			if t := w.nested(data, depth+1); t != "" {
				nested = append(nested, t)
			}
		case inline && mt == "text/plain" && disp != "attachment":
			plain = append(plain, decodedText(data))
		case inline && mt == "text/html" && disp != "attachment":
			html = append(html, decodedText(data))
		default:
			w.attach(ph, mt, data)
		}
	}
	var parts []string
	if len(plain) > 0 {
		parts = plain
	} else {
		for _, h := range html {
			parts = append(parts, HTMLText(h))
		}
	}
	body := strings.TrimSpace(joinNonEmpty(parts, "\n\n"))
	return strings.TrimSpace(joinNonEmpty(append([]string{body}, nested...), "\n\n"))
}

// nested decodes an attached message (a forward "as attachment") into a
// header block and its text; its files join the case's files.
func (w *receivedWalker) nested(raw []byte, depth int) string {
	mr, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		w.attach(nil, "message/rfc822", raw)
		return ""
	}
	var b strings.Builder
	b.WriteString("---------- message/rfc822 ----------\n")
	for _, k := range []string{"From", "Date", "Subject", "To"} {
		if v := headerText(&mr.Header.Header, k); v != "" {
			b.WriteString(k + ": " + v + "\n")
		}
	}
	b.WriteString("\n")
	b.WriteString(w.message(mr, depth))
	return b.String()
}

func (w *receivedWalker) attach(h *message.Header, mt string, data []byte) {
	if len(w.files) >= maxReceivedAttachments {
		return
	}
	name := ""
	if h != nil {
		name = attachmentName(h)
	}
	if name == "" {
		name = "attachment" + extensionFor(mt)
	}
	w.files = append(w.files, Attachment{Filename: name, ContentType: mt, Data: data})
}

// attachmentName is the part's file name: Content-Disposition filename*
// (RFC 2231, in any charset) first, as the sender's exact name; then the
// disposition's plain or RFC 2047 filename, else the Content-Type name.
// go-message's Filename cannot come first: the standard library decodes
// RFC 2231 only in UTF-8 and US-ASCII (Outlook and older clients write
// ISO-8859-1), and on failing it falls back to the Content-Type name,
// which may differ.
func attachmentName(h *message.Header) string {
	if n := rfc2231Param(h.Get("Content-Disposition"), "filename"); n != "" {
		return n
	}
	ah := gomail.AttachmentHeader{Header: *h}
	if n, err := ah.Filename(); err == nil && n != "" {
		return fixText(n)
	}
	return rfc2231Param(h.Get("Content-Type"), "name")
}

// rfc2231Param finds param*=charset'lang'value or its continuations
// param*0*=..., param*1=... in a header value and decodes it.
func rfc2231Param(v, param string) string {
	if raw, ok := rawParam(v, param+"*"); ok {
		cs, val, ok := split2231(raw)
		if !ok {
			return ""
		}
		return fixText(string(decodeBytes([]byte(val), cs)))
	}
	var b strings.Builder
	charset := ""
	for i := 0; i < 100; i++ {
		k := param + "*" + strconv.Itoa(i)
		if raw, ok := rawParam(v, k+"*"); ok {
			if i == 0 {
				cs, rest, ok := strings.Cut(raw, "'")
				if _, rest, ok2 := strings.Cut(rest, "'"); ok && ok2 {
					charset, raw = cs, rest
				}
			}
			dec, err := url.PathUnescape(raw)
			if err != nil {
				return ""
			}
			b.WriteString(dec)
		} else if raw, ok := rawParam(v, k); ok {
			b.WriteString(raw)
		} else {
			break
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return fixText(string(decodeBytes([]byte(b.String()), charset)))
}

// split2231 splits charset'lang'percent-encoded into charset and the
// decoded bytes.
func split2231(raw string) (charset, value string, ok bool) {
	cs, rest, ok1 := strings.Cut(raw, "'")
	_, rest, ok2 := strings.Cut(rest, "'")
	if !ok1 || !ok2 {
		return "", "", false
	}
	dec, err := url.PathUnescape(rest)
	if err != nil {
		return "", "", false
	}
	return cs, dec, true
}

// rawParam returns the value of key in a "type; k=v; k2="v2"" header value.
func rawParam(v, key string) (string, bool) {
	for _, seg := range strings.Split(v, ";") {
		k, val, ok := strings.Cut(strings.TrimSpace(seg), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), key) {
			continue
		}
		return strings.Trim(strings.TrimSpace(val), `"`), true
	}
	return "", false
}

// decodeBytes converts b from charset to UTF-8; an unknown charset leaves
// b as it is (fixText then repairs what is not UTF-8).
func decodeBytes(b []byte, charset string) []byte {
	if charset == "" || strings.EqualFold(charset, "utf-8") || strings.EqualFold(charset, "us-ascii") {
		return b
	}
	enc, err := ianaindex.MIME.Encoding(charset)
	if err != nil || enc == nil {
		return b
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return b
	}
	return out
}

// decodedText is a text part's content as UTF-8. go-message has already
// converted a declared charset; 8-bit text without (or with a wrong or
// unknown) charset is read as Windows-1252, what such senders use.
func decodedText(data []byte) string {
	s := fixText(string(data))
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// fixText returns s when it is UTF-8, else reads it as Windows-1252 (a
// superset of ISO-8859-1's printable characters).
func fixText(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	out, err := charmap.Windows1252.NewDecoder().String(s)
	if err != nil {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	return out
}

// headerText decodes an unstructured header (RFC 2047 in any charset); raw
// 8-bit bytes are read as Windows-1252.
func headerText(h *message.Header, key string) string {
	v, err := h.Text(key)
	if err != nil {
		v = h.Get(key)
	}
	return strings.TrimSpace(fixText(v))
}

func joinNonEmpty(parts []string, sep string) string {
	var out []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, strings.TrimSpace(p))
		}
	}
	return strings.Join(out, sep)
}

func extensionFor(mt string) string {
	switch mt {
	case "message/rfc822":
		return ".eml"
	case "application/pdf":
		return ".pdf"
	case "text/plain":
		return ".txt"
	}
	if exts, _ := mime.ExtensionsByType(mt); len(exts) > 0 {
		return exts[0]
	}
	return ".bin"
}
