package mail

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// storable is what the web form's edge accepts (api/edge.go goodText).
func storable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f {
			return false
		}
	}
	return true
}

var receivedSeeds = []string{
	"From: Maija <maija@example.test>\r\nSubject: Tietopyyntö\r\n\r\nHei\r\n",
	"From: =?utf-8?q?M=C3=A4ij=C3=A4?= <m@example.test>\r\nSubject: =?iso-8859-1?q?p=E4=E4sy?=\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\np\xe4\xe4sy\r\n",
	"From: a\x00b <a@example.test>\r\nSubject: x\x00y\x07z\r\n\r\nbody\x00with\x01nul \xff\xfe\r\n",
	"From: a@example.test\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nteksti\r\n--b\r\nContent-Type: application/pdf; name=\"\x00\x01\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n",
	"From: a@example.test\r\nContent-Type: message/rfc822\r\n\r\nFrom: b@example.test\r\nSubject: sis\xe4\r\n\r\nsisempi\r\n",
	"Subject: =?unknown?b?AAAA?=\r\n\r\n",
	"",
}

// Issue 16 item 7 / issue 22: whatever arrives by mail, the decoded
// message holds only text the database can store and a person meant, and
// every attachment has a name; decoding never panics.
func FuzzParseReceived(f *testing.F) {
	for _, s := range receivedSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := ParseReceived(raw)
		if err != nil {
			if strings.Contains(err.Error(), "panic") {
				t.Fatalf("panic: %v", err)
			}
			return
		}
		for name, v := range map[string]string{"subject": r.Subject, "from name": r.FromName, "from": r.FromAddr,
			"message-id": r.MessageID, "text": r.Text} {
			if !storable(v) {
				t.Fatalf("%s not storable: %q", name, v)
			}
		}
		for _, a := range r.Attachments {
			if a.Filename == "" || !storable(a.Filename) || !storable(a.ContentType) {
				t.Fatalf("attachment name %q type %q", a.Filename, a.ContentType)
			}
		}
	})
}

// Control characters and invalid UTF-8 in an emailed request are stored
// cleaned (issue 16 item 7, as the web form's edge would refuse them).
func TestReceivedCleansControlCharacters(t *testing.T) {
	r, err := ParseReceived([]byte(receivedSeeds[2]))
	if err != nil {
		t.Fatal(err)
	}
	if r.Subject != "xyz" || !storable(r.FromName) || !strings.HasPrefix(r.Text, "bodywithnul ") || !storable(r.Text) {
		t.Fatalf("cleaned: %q %q %q", r.Subject, r.FromName, r.Text)
	}
	r, err = ParseReceived([]byte(receivedSeeds[3]))
	if err != nil || len(r.Attachments) != 1 || r.Attachments[0].Filename != "attachment.pdf" {
		t.Fatalf("attachment named only by control characters: %+v %v", r.Attachments, err)
	}
}
