package api_test

import (
	"mime"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

// Issue 17: the case page of an emailed request links the original
// message (plain text, never rendered as HTML) and lists the email's
// files as downloads; another organisation gets 404, and a case that did
// not come by email has no such link.
func TestCaseEmailOriginalAndFiles(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	raw := "From: =?utf-8?q?M=C3=A4rta?= <marta@example.fi>\r\nTo: " + f.org.PrivacyEmail + "\r\nSubject: Beg=?utf-8?q?=C3=A4ran?=\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/html; charset=iso-8859-1\r\n\r\n<p>Jag beg\xe4r mina uppgifter.</p><script>alert(1)</script>\r\n" +
		"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename*=utf-8''fullmakt%20M%C3%A4rta.pdf\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQgZnVsbG1ha3Q=\r\n--b--\r\n"
	receipt, err := f.env.Workflow.ReceiveEmail(f.env.Ctx, f.org, workflow.InboundMail{To: f.org.PrivacyEmail, From: "marta@example.fi",
		Raw: []byte(raw), ReceivedAt: f.env.Clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	casePath := "/staff/cases/" + receipt
	cl := f.login(t, f.dpo)
	p := cl.get(casePath)
	if p.status != http.StatusOK {
		t.Fatalf("case page = %d", p.status)
	}
	if req := scText(scByID(p.doc, "request")); !strings.Contains(req, "Jag begär mina uppgifter.") || strings.Contains(req, "alert") {
		t.Errorf("request details: %s", req)
	}
	orig := scByID(p.doc, "original-email")
	if orig == nil || scAttr(orig, "href") != casePath+"/email" {
		t.Fatalf("no link to the original message")
	}
	links := scElems(scByID(p.doc, "email-files"), "a", nil)
	if len(links) != 1 || scText(links[0]) != "fullmakt Märta.pdf" {
		t.Fatalf("email files: %d links", len(links))
	}
	href := scAttr(links[0], "href")
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(casePath) + `/email/files/[0-9]+$`).MatchString(href) {
		t.Errorf("file link %q", href)
	}

	d := cl.get(href)
	if d.status != http.StatusOK || d.body != "%PDF-1.4 fullmakt" || d.header.Get("Content-Type") != "application/pdf" {
		t.Errorf("download = %d %q %q", d.status, d.body, d.header.Get("Content-Type"))
	}
	if disp, params, err := mime.ParseMediaType(d.header.Get("Content-Disposition")); err != nil || disp != "attachment" || params["filename"] != "fullmakt Märta.pdf" {
		t.Errorf("Content-Disposition %q", d.header.Get("Content-Disposition"))
	}

	o := cl.get(casePath + "/email")
	if o.status != http.StatusOK || o.body != raw {
		t.Fatalf("original = %d, body differs: %v", o.status, o.body != raw)
	}
	h := o.header
	if h.Get("Content-Type") != "text/plain; charset=windows-1252" || h.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") || h.Get("Cache-Control") != "no-store" {
		t.Errorf("original served with %v", h)
	}
	if tl := scText(scByID(cl.get(casePath).doc, "timeline")); !strings.Contains(tl, "Original message viewed") || !strings.Contains(tl, "File of the email downloaded") {
		t.Errorf("timeline lacks the views: %s", tl)
	}

	// Another organisation: 404 for both; signed out: the sign-in page.
	cl2 := f.login(t, f.dpo2)
	for _, path := range []string{casePath + "/email", href} {
		if r := cl2.get(path); r.status != http.StatusNotFound || strings.Contains(r.body, "fullmakt") {
			t.Errorf("other organisation %s: %d", path, r.status)
		}
	}
	anon := &scClient{t: t, base: f.base, c: testenv.Client()}
	if r := anon.get(casePath + "/email"); r.status != http.StatusSeeOther {
		t.Errorf("signed out: %d", r.status)
	}

	// A paper case has no email to show.
	paper := f.paper(f.org, f.env.Clock.Now(), "", nil)
	pp := cl.get("/staff/cases/" + paper.Receipt)
	if scByID(pp.doc, "original-email") != nil {
		t.Error("paper case links an original message")
	}
	if r := cl.get("/staff/cases/" + paper.Receipt + "/email"); r.status != http.StatusNotFound {
		t.Errorf("paper case's /email = %d", r.status)
	}
}
