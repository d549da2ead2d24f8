package registers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Input decoding (issue 19): a DPO gives what the municipality published,
// a PDF with a text layer, a web page saved as HTML, a DOCX or plain text.
// The kind is recognised by content, never by file name, and the text is
// then read by Parse as any other document.

// InputKind is the kind of a document's bytes.
type InputKind string

const (
	InputText InputKind = "text"
	InputHTML InputKind = "html"
	InputPDF  InputKind = "pdf"
	InputDOCX InputKind = "docx"
)

// ErrPDFTool: PDF input needs poppler's pdftotext, which is not installed.
var ErrPDFTool = errors.New("registers: PDF import needs poppler's pdftotext (Debian/Ubuntu: apt-get install poppler-utils, or scripts/deps.sh run)")

// ExtractOptions bounds the work done on one document.
type ExtractOptions struct {
	// Timeout for external tools (pdftotext); 0 means 60 s.
	Timeout time.Duration
	// MaxText bounds the extracted text in bytes; 0 means 64 MiB.
	MaxText int64
	// PDFToText is the pdftotext program; "" finds it on PATH.
	PDFToText string
}

func (o ExtractOptions) timeout() time.Duration {
	if o.Timeout <= 0 {
		return 60 * time.Second
	}
	return o.Timeout
}

func (o ExtractOptions) maxText() int64 {
	if o.MaxText <= 0 {
		return 64 << 20
	}
	return o.MaxText
}

// DetectInput recognises the kind of b from its content.
func DetectInput(b []byte) InputKind {
	head := b
	if len(head) > 4096 {
		head = head[:4096]
	}
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n\f")
	switch {
	case bytes.HasPrefix(trimmed, []byte("%PDF-")):
		return InputPDF
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return InputDOCX
	}
	if len(trimmed) > 0 && trimmed[0] == '<' {
		l := bytes.ToLower(trimmed)
		for _, tag := range []string{"<!doctype html", "<html", "<head", "<body", "<meta", "<div", "<p>", "<p ", "<h1", "<h2", "<table", "<ul", "<section", "<article", "<main", "<title", "<!--"} {
			if bytes.HasPrefix(l, []byte(tag)) {
				return InputHTML
			}
		}
		if bytes.Contains(l, []byte("<html")) || bytes.Contains(l, []byte("<body")) {
			return InputHTML
		}
	}
	return InputText
}

// ExtractText returns the text of a document of any supported kind.
// Plain text that is not UTF-8 is read as Windows-1252 (old Finnish web
// pages and exports) when it holds no control bytes; otherwise it is
// returned as it is and Parse reports it as binary.
func ExtractText(ctx context.Context, b []byte, opts ExtractOptions) (string, InputKind, error) {
	kind := DetectInput(b)
	var (
		text string
		err  error
	)
	switch kind {
	case InputPDF:
		text, err = pdfText(ctx, b, opts)
	case InputDOCX:
		text, err = docxText(b, opts.maxText())
	case InputHTML:
		text, err = htmlText(b)
	default:
		text = decodeText(b)
	}
	if err != nil {
		return "", kind, err
	}
	if int64(len(text)) > opts.maxText() {
		return "", kind, fmt.Errorf("%s text larger than %d bytes", kind, opts.maxText())
	}
	return text, kind, nil
}

// ParseDocument extracts the text of b and parses it.
func ParseDocument(ctx context.Context, b []byte, opts Options, xo ExtractOptions) (*Result, InputKind, error) {
	text, kind, err := ExtractText(ctx, b, xo)
	if err != nil {
		return nil, kind, fmt.Errorf("reading %s as %s: %w", sourceName(opts), kind, err)
	}
	res, err := Parse(text, opts)
	return res, kind, err
}

// decodeText returns b as UTF-8: unchanged when it is valid UTF-8 or
// binary, else read as Windows-1252.
func decodeText(b []byte) string {
	if utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		return string(b)
	}
	controls := 0
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' {
			controls++
		}
	}
	if controls > 0 {
		return string(b)
	}
	var sb strings.Builder
	sb.Grow(len(b) + len(b)/8)
	for _, c := range b {
		if c >= 0x80 && c < 0xa0 {
			if r := cp1252[c-0x80]; r != 0 {
				sb.WriteRune(r)
				continue
			}
		}
		sb.WriteRune(rune(c))
	}
	return sb.String()
}

// cp1252 maps Windows-1252 bytes 0x80..0x9F (0 where undefined).
var cp1252 = [32]rune{
	'€', 0, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0, 'Ž', 0,
	0, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0, 'ž', 'Ÿ',
}
