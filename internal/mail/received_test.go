package mail

import (
	"bytes"
	"strings"
	"testing"
)

func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

// Issue 17: go-message decodes what the hand-written decoder lost.
func TestParseReceived(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		raw       string
		subject   string
		fromName  string
		text      string
		files     []string // file names
		fileBytes []string // their content
	}{
		{
			name:    "Windows-1252 body declared, smart quotes and euro",
			raw:     "From: a@example.test\nSubject: x\nContent-Type: text/plain; charset=windows-1252\nContent-Transfer-Encoding: 8bit\n\n\x93Hej\x94 25 \x80\n",
			subject: "x", text: "“Hej” 25 €",
		},
		{
			name:    "8-bit Latin-1 with no charset read as Windows-1252",
			raw:     "From: a@example.test\nSubject: S\xe4hk\xf6posti\n\nP\xe4\xe4sy tietoihin\n",
			subject: "Sähköposti", text: "Pääsy tietoihin",
		},
		{
			name:    "ISO-8859-15 euro sign and RFC 2047 B in ISO-8859-1",
			raw:     "From: =?iso-8859-1?b?xHNh?= <a@example.test>\nSubject: =?iso-8859-15?q?=A4?=\nContent-Type: text/plain; charset=iso-8859-15\nContent-Transfer-Encoding: quoted-printable\n\n10 =A4\n",
			subject: "€", fromName: "Äsa", text: "10 €",
		},
		{
			name:    "base64 UTF-8 body",
			raw:     "From: a@example.test\nSubject: b\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\nSMOkbHNuaW5nYXI=\n",
			subject: "b", text: "Hälsningar",
		},
		{
			name:    "alternative prefers plain over HTML",
			raw:     "From: a@example.test\nSubject: alt\nContent-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain; charset=utf-8\n\nplain words\n--b\nContent-Type: text/html; charset=utf-8\n\n<p>html words</p>\n--b--\n",
			subject: "alt", text: "plain words",
		},
		{
			name:    "HTML only: scripts and styles dropped, entities decoded, links kept",
			raw:     "From: a@example.test\nSubject: h\nContent-Type: text/html; charset=utf-8\n\n<html><head><title>T</title><style>p{}</style></head><body><script>alert(1)</script><p>A &amp; B</p><p>see <a href=\"https://example.test/x\">this</a></p><ul><li>one</li><li>two</li></ul></body></html>\n",
			subject: "h", text: "A & B\n\nsee this <https://example.test/x>\n\n- one\n- two",
		},
		{
			name:    "RFC 2231 file name in ISO-8859-1 and RFC 2047 file name",
			raw:     "From: a@example.test\nSubject: f\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nsee files\n--b\nContent-Type: application/octet-stream\nContent-Disposition: attachment; filename*=iso-8859-1''r%E4kning.txt\n\nONE\n--b\nContent-Type: application/pdf; name=\"=?utf-8?q?p=C3=A4=C3=A4t=C3=B6s=2Epdf?=\"\nContent-Transfer-Encoding: base64\n\nVFdP\n--b--\n",
			subject: "f", text: "see files", files: []string{"räkning.txt", "päätös.pdf"}, fileBytes: []string{"ONE", "TWO"},
		},
		{
			name:    "filename* in ISO-8859-1 wins over a different Content-Type name",
			raw:     "From: a@example.test\nSubject: f\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nletter\n--b\nContent-Type: application/pdf; name=\"=?iso-8859-1?q?kirje_M=E4kel=E4.pdf?=\"\nContent-Disposition: attachment; filename*=iso-8859-1''kirje_M%E4kel%E4.pdf\nContent-Transfer-Encoding: base64\n\nVFdP\n--b--\n",
			subject: "f", text: "letter", files: []string{"kirje_Mäkelä.pdf"}, fileBytes: []string{"TWO"},
		},
		{
			name:    "a text attachment is a file, not the body; a file without a name gets one",
			raw:     "From: a@example.test\nSubject: t\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nbody\n--b\nContent-Type: text/plain\nContent-Disposition: attachment; filename=notes.txt\n\nnot body\n--b\nContent-Type: image/png\n\nPNG\n--b--\n",
			subject: "t", text: "body", files: []string{"notes.txt", "attachment.png"}, fileBytes: []string{"not body", "PNG"},
		},
		{
			name:    "unknown charset kept readable",
			raw:     "From: a@example.test\nSubject: u\nContent-Type: text/plain; charset=x-no-such\n\nplain ascii\n",
			subject: "u", text: "plain ascii",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r, err := ParseReceived(crlf(c.raw))
			if err != nil {
				t.Fatal(err)
			}
			if r.Subject != c.subject || r.FromName != c.fromName || r.FromAddr != "a@example.test" {
				t.Errorf("subject %q from %q <%s>", r.Subject, r.FromName, r.FromAddr)
			}
			if r.Text != c.text {
				t.Errorf("text = %q, want %q", r.Text, c.text)
			}
			if len(r.Attachments) != len(c.files) {
				t.Fatalf("attachments = %+v, want %v", r.Attachments, c.files)
			}
			for i, a := range r.Attachments {
				if a.Filename != c.files[i] || strings.TrimRight(string(a.Data), "\r\n") != c.fileBytes[i] {
					t.Errorf("attachment %d = %q %q", i, a.Filename, a.Data)
				}
			}
		})
	}
}

// Nested forwards are bounded: a message nested deeper than the limit is
// kept as a file instead of being walked.
func TestParseReceivedNestingBounded(t *testing.T) {
	t.Parallel()
	msg := "From: a@example.test\nSubject: level\nContent-Type: text/plain\n\ninnermost\n"
	for i := 0; i < maxReceivedDepth+3; i++ {
		msg = "From: a@example.test\nSubject: level\nContent-Type: multipart/mixed; boundary=b" + strings.Repeat("x", i) +
			"\n\n--b" + strings.Repeat("x", i) + "\nContent-Type: message/rfc822\n\n" + msg + "\n--b" + strings.Repeat("x", i) + "--\n"
	}
	r, err := ParseReceived(crlf(msg))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.Text, "innermost") {
		t.Error("walked deeper than the limit")
	}
	if len(r.Attachments) != 1 || r.Attachments[0].ContentType != "message/rfc822" || !bytes.Contains(r.Attachments[0].Data, []byte("innermost")) {
		t.Errorf("attachments = %+v", r.Attachments)
	}
}

func TestParseReceivedRefusesGarbage(t *testing.T) {
	t.Parallel()
	if _, err := ParseReceived([]byte("no header here at all\x00\x01")); err == nil {
		t.Error("garbage parsed without error")
	}
}
