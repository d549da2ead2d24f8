package mail

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/textproto"
	"strings"

	"github.com/emersion/go-message/charset"
)

// parsed is the decoded view of a raw RFC 5322 message.
type parsed struct {
	Header    netmail.Header
	Subject   string
	MessageID string
	Text      string
	HTML      string
}

// maxMIMEDepth bounds multipart nesting so hostile input cannot recurse
// without end.
const maxMIMEDepth = 8

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

// parseRaw parses raw with net/mail and decodes the first text/plain and
// text/html parts. Line endings of the decoded bodies are normalised to "\n".
// A non-nil error means the header section itself could not be parsed; body
// decoding problems are tolerated (the affected part is left empty).
func parseRaw(raw []byte) (p parsed, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("mail: panic while parsing message: %v", r)
		}
	}()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return p, err
	}
	p.Header = msg.Header
	if len(msg.Header) == 0 {
		return p, errors.New("mail: message has no header fields")
	}
	// net/mail is lenient about field names; control characters or 8-bit
	// bytes in a name mean the input is not a message at all.
	for name := range msg.Header {
		if name == "" || strings.IndexFunc(name, func(r rune) bool { return r < ' ' || r >= 0x7f }) >= 0 {
			return p, errors.New("mail: malformed header field name")
		}
	}
	p.Subject = decodeHeader(msg.Header.Get("Subject"))
	p.MessageID = strings.TrimSpace(msg.Header.Get("Message-Id"))
	_ = walkPart(&p, textproto.MIMEHeader(msg.Header), msg.Body, 0)
	return p, nil
}

func decodeHeader(v string) string {
	d, err := wordDecoder.DecodeHeader(v)
	if err != nil {
		return v
	}
	return d
}

func walkPart(p *parsed, h textproto.MIMEHeader, body io.Reader, depth int) error {
	if depth > maxMIMEDepth {
		return errors.New("mail: MIME nesting too deep")
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain; charset=us-ascii"
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walkPart(p, part.Header, part, depth+1); err != nil {
				return err
			}
		}
	}
	if mediaType != "text/plain" && mediaType != "text/html" {
		return nil
	}
	if disp, _, _ := mime.ParseMediaType(h.Get("Content-Disposition")); disp == "attachment" {
		return nil
	}
	if (mediaType == "text/plain" && p.Text != "") || (mediaType == "text/html" && p.HTML != "") {
		return nil
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	text := decodeCharset(params["charset"], data)
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if mediaType == "text/plain" {
		p.Text = text
	} else {
		p.HTML = text
	}
	return nil
}

// decodeCharset converts data to a UTF-8 string with go-message's
// charset tables; an unknown charset or undeclared 8-bit text is read as
// Windows-1252 when it is not UTF-8.
func decodeCharset(cs string, data []byte) string {
	if cs != "" {
		if r, err := charset.Reader(cs, bytes.NewReader(data)); err == nil {
			if out, err := io.ReadAll(r); err == nil {
				return fixText(string(out))
			}
		}
	}
	return fixText(string(data))
}

func charsetReader(cs string, input io.Reader) (io.Reader, error) {
	return charset.Reader(cs, input)
}
