package workflow

import (
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// mimeDecoder extracts readable text from an inbound message: the decoded
// subject and the first text/plain part.
type mimeDecoder struct{}

func (mimeDecoder) header(h string) string {
	d, err := new(mime.WordDecoder).DecodeHeader(h)
	if err != nil {
		return h
	}
	return d
}

func (mimeDecoder) body(msg *mail.Message) string {
	const limit = 64 << 10
	ct := msg.Header.Get("Content-Type")
	mt, params, _ := mime.ParseMediaType(ct)
	if strings.HasPrefix(mt, "multipart/") && params["boundary"] != "" {
		mr := multipart.NewReader(msg.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				return ""
			}
			pmt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
			if pmt == "text/plain" || pmt == "" {
				return readPart(p, p.Header.Get("Content-Transfer-Encoding"), limit)
			}
		}
	}
	return readPart(msg.Body, msg.Header.Get("Content-Transfer-Encoding"), limit)
}

func readPart(r io.Reader, cte string, limit int64) string {
	if strings.EqualFold(strings.TrimSpace(cte), "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, _ := io.ReadAll(io.LimitReader(r, limit))
	return strings.TrimSpace(string(b))
}
