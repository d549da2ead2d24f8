package registers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// pdfText runs poppler's pdftotext -layout (columns stay apart as runs of
// spaces, which the table importers read) on b with a time limit and a
// bound on the output. A PDF without a text layer (a scan) is ErrEmpty.
func pdfText(ctx context.Context, b []byte, opts ExtractOptions) (string, error) {
	tool := opts.PDFToText
	if tool == "" {
		tool = "pdftotext"
	}
	tool, err := exec.LookPath(tool)
	if err != nil {
		return "", ErrPDFTool
	}
	f, err := os.CreateTemp("", "rightsdesk-import-*.pdf")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.timeout())
	defer cancel()
	out := &limitedBuffer{max: opts.maxText()}
	cmd := exec.CommandContext(ctx, tool, "-layout", "-enc", "UTF-8", "-q", f.Name(), "-")
	cmd.Stdout = out
	cmd.Stderr = &limitedBuffer{max: 4096}
	err = cmd.Run()
	switch {
	case out.over:
		return "", fmt.Errorf("pdftotext: text larger than %d bytes", opts.maxText())
	case ctx.Err() != nil:
		return "", fmt.Errorf("pdftotext: no answer within %s", opts.timeout())
	case errors.Is(err, exec.ErrNotFound):
		return "", ErrPDFTool
	case err != nil:
		return "", fmt.Errorf("pdftotext could not read the PDF (damaged or encrypted?): %v", err)
	}
	text := out.buf.String()
	if strings.TrimSpace(strings.ReplaceAll(text, "\f", "")) == "" {
		return "", fmt.Errorf("%w: the PDF has no text layer (a scan?); run OCR first or paste the text", ErrEmpty)
	}
	return text, nil
}

// limitedBuffer keeps at most max bytes and remembers that there were more.
type limitedBuffer struct {
	buf  bytes.Buffer
	max  int64
	over bool
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - int64(l.buf.Len()); int64(len(p)) > room {
		if room > 0 {
			l.buf.Write(p[:room])
		}
		l.over = true
		return 0, errors.New("output limit reached")
	}
	return l.buf.Write(p)
}

// CheckPDFTool reports ErrPDFTool when the pdftotext program (tool, or
// "pdftotext" on PATH when tool is "") cannot be found, so that a server
// can say at start that PDF import will not work.
func CheckPDFTool(tool string) error {
	if tool == "" {
		tool = "pdftotext"
	}
	if _, err := exec.LookPath(tool); err != nil {
		return ErrPDFTool
	}
	return nil
}
