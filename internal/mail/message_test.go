package mail

import (
	"bytes"
	"errors"
	netmail "net/mail"
	"strings"
	"testing"
	"time"
)

func finnishMessage() Message {
	return Message{
		From:      "Tietosuoja Åström <privacy@rightsdesk.example>",
		To:        []string{"Märta Öberg <marta@example.fi>", "case-archive@rightsdesk.example"},
		ReplyTo:   "Rightsdesk <reply+RD-1@rightsdesk.example>",
		Subject:   "Pyyntönne on käsitelty – ärendet är åtgärdat (ä ö å Ä Ö Å)",
		Text:      "Hyvä vastaanottaja,\n\npyyntönne on käsitelty: ä ö å.\n.\nRivi pisteellä alussa yllä.\nMed vänliga hälsningar\n",
		HTML:      "<p>Hyvä vastaanottaja,</p><p>ärendet är åtgärdat: ä ö å</p>",
		MessageID: NewMessageID("outbox-123", "rightsdesk.example"),
		Date:      time.Date(2024, 5, 17, 9, 30, 0, 0, time.UTC),
		Auto:      true,
		Headers:   map[string]string{"X-Rightsdesk-Case": "RD-2024-0001"},
	}
}

func TestMessageRoundTripThroughCatcher(t *testing.T) {
	t.Parallel()
	catcher, addr := startCatcher(t, CatcherOptions{})
	m := finnishMessage()
	raw, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	from, to, err := m.Envelope()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseURL("smtp://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	if err := NewSender(cfg).Send(ctx, from, to, raw); err != nil {
		t.Fatalf("send: %v", err)
	}
	got, err := catcher.WaitFor(ctx, func(c Caught) bool { return c.MessageID == m.MessageID })
	if err != nil {
		t.Fatal(err)
	}
	if got.ParseError != "" {
		t.Fatalf("parse error: %s", got.ParseError)
	}
	if got.Subject != m.Subject {
		t.Errorf("subject = %q, want %q", got.Subject, m.Subject)
	}
	if got.Text != m.Text {
		t.Errorf("text = %q, want %q", got.Text, m.Text)
	}
	if got.HTML != m.HTML {
		t.Errorf("html = %q, want %q", got.HTML, m.HTML)
	}
	if got.MessageID != "<outbox-123@rightsdesk.example>" {
		t.Errorf("message-id = %q", got.MessageID)
	}
	if got.From != "privacy@rightsdesk.example" || strings.Join(got.To, ",") != "marta@example.fi,case-archive@rightsdesk.example" {
		t.Errorf("envelope = %q %q", got.From, got.To)
	}
	h := got.Headers
	for name, want := range map[string]string{
		"Auto-Submitted":    "auto-generated",
		"X-Rightsdesk-Case": "RD-2024-0001",
		"Mime-Version":      "1.0",
		"Date":              "Fri, 17 May 2024 09:30:00 +0000",
	} {
		if v := h.Get(name); v != want {
			t.Errorf("%s = %q, want %q", name, v, want)
		}
	}
	if !strings.HasPrefix(h.Get("Content-Type"), "multipart/alternative;") {
		t.Errorf("Content-Type = %q", h.Get("Content-Type"))
	}
	fromAddr, err := netmail.ParseAddress(h.Get("From"))
	if err != nil || fromAddr.Name != "Tietosuoja Åström" || fromAddr.Address != "privacy@rightsdesk.example" {
		t.Errorf("From header = %q -> %+v, %v", h.Get("From"), fromAddr, err)
	}
	toList, err := h.AddressList("To")
	if err != nil || len(toList) != 2 || toList[0].Name != "Märta Öberg" {
		t.Errorf("To header = %q -> %+v, %v", h.Get("To"), toList, err)
	}
	if d, err := h.Date(); err != nil || !d.Equal(m.Date) {
		t.Errorf("Date = %v, %v", d, err)
	}
	// The wire form is 7-bit with short lines.
	for i, line := range strings.Split(string(got.Raw), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line %d longer than 78: %q", i, line)
		}
		for _, c := range []byte(line) {
			if c >= 0x80 {
				t.Fatalf("line %d has 8-bit byte: %q", i, line)
			}
		}
	}
}

func TestMessageBytesShapes(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("ääkkösiä ja åäö ", 20)
	longLine := strings.Repeat("x", 3000) + "ö"
	cases := []struct {
		name       string
		msg        Message
		wantCT     string
		wantText   string
		wantHTML   string
		wantAuto   bool
		wantNoDate bool
	}{
		{
			name:     "text only",
			msg:      Message{From: "a@rightsdesk.example", To: []string{"b@example.fi"}, Subject: "Hei", Text: "vain tekstiä\n", MessageID: "<1@x.example>"},
			wantCT:   "text/plain; charset=utf-8",
			wantText: "vain tekstiä\n",
		},
		{
			name:     "html only",
			msg:      Message{From: "a@rightsdesk.example", To: []string{"b@example.fi"}, Subject: "Hei", HTML: "<b>vain</b> å", MessageID: "<2@x.example>", Auto: true},
			wantCT:   "text/html; charset=utf-8",
			wantHTML: "<b>vain</b> å\n",
			wantAuto: true,
		},
		{
			name:     "long subject and long line",
			msg:      Message{From: "Åsa <a@rightsdesk.example>", To: []string{"b@example.fi"}, Subject: long, Text: longLine, HTML: "<p>" + longLine + "</p>"},
			wantCT:   "multipart/alternative",
			wantText: longLine,
			wantHTML: "<p>" + longLine + "</p>",
		},
		{
			name:     "long ascii subject without spaces",
			msg:      Message{From: "a@rightsdesk.example", To: []string{"b@example.fi"}, Subject: strings.Repeat("A", 1200), Text: "t"},
			wantCT:   "text/plain; charset=utf-8",
			wantText: "t\n",
		},
		{
			name:     "subject that looks encoded stays literal",
			msg:      Message{From: "a@rightsdesk.example", To: []string{"b@example.fi"}, Subject: "=?utf-8?q?hi?= there", Text: "t"},
			wantCT:   "text/plain; charset=utf-8",
			wantText: "t\n",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			raw, err := tc.msg.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			p, err := parseRaw(raw)
			if err != nil {
				t.Fatal(err)
			}
			if p.Subject != tc.msg.Subject {
				t.Errorf("subject = %q, want %q", p.Subject, tc.msg.Subject)
			}
			if ct := p.Header.Get("Content-Type"); !strings.HasPrefix(ct, tc.wantCT) {
				t.Errorf("content-type = %q, want prefix %q", ct, tc.wantCT)
			}
			if p.Text != tc.wantText {
				t.Errorf("text = %q, want %q", p.Text, tc.wantText)
			}
			if p.HTML != tc.wantHTML {
				t.Errorf("html = %q, want %q", p.HTML, tc.wantHTML)
			}
			if got := p.Header.Get("Auto-Submitted") == "auto-generated"; got != tc.wantAuto {
				t.Errorf("auto-submitted present = %v, want %v", got, tc.wantAuto)
			}
			if p.MessageID == "" || !validMessageID(p.MessageID) {
				t.Errorf("message-id = %q", p.MessageID)
			}
			if tc.msg.MessageID != "" && p.MessageID != tc.msg.MessageID {
				t.Errorf("message-id = %q, want %q", p.MessageID, tc.msg.MessageID)
			}
			if _, err := p.Header.Date(); err != nil {
				t.Errorf("date: %v", err)
			}
			if !bytes.HasSuffix(raw, []byte("\r\n")) {
				t.Error("message does not end with CRLF")
			}
			for i, line := range strings.Split(string(raw), "\r\n") {
				if len(line) > 998 {
					t.Errorf("line %d is %d octets", i, len(line))
				}
				if strings.Contains(line, "\n") || strings.Contains(line, "\r") {
					t.Errorf("line %d has a bare CR/LF", i)
				}
			}
		})
	}
}

func TestMessageHeaderInjectionRefused(t *testing.T) {
	t.Parallel()
	base := func() Message {
		return Message{From: "a@rightsdesk.example", To: []string{"b@example.fi"}, Subject: "ok", Text: "t", MessageID: "<1@x.example>"}
	}
	cases := []struct {
		name      string
		mut       func(*Message)
		injection bool
	}{
		{"subject CRLF", func(m *Message) { m.Subject = "Hei\r\nBcc: victim@example.org" }, true},
		{"subject LF", func(m *Message) { m.Subject = "Hei\nBcc: victim@example.org" }, true},
		{"subject CR", func(m *Message) { m.Subject = "Hei\rX: y" }, true},
		{"from", func(m *Message) { m.From = "a@rightsdesk.example\r\nBcc: victim@example.org" }, true},
		{"from display name", func(m *Message) { m.From = "Evil\r\nBcc: victim@example.org <a@rightsdesk.example>" }, true},
		{"to", func(m *Message) { m.To = []string{"b@example.fi\nBcc: victim@example.org"} }, true},
		{"reply-to", func(m *Message) { m.ReplyTo = "c@example.fi\r\nX: y" }, true},
		{"message-id", func(m *Message) { m.MessageID = "<1@x>\r\nBcc: victim@example.org" }, true},
		{"extra value", func(m *Message) { m.Headers = map[string]string{"X-Rightsdesk-Case": "1\r\nBcc: victim@example.org"} }, true},
		{"extra name", func(m *Message) { m.Headers = map[string]string{"X-A\r\nBcc": "x"} }, false},
		{"extra name colon", func(m *Message) { m.Headers = map[string]string{"Bcc: victim@example.org\r\nX": "x"} }, false},
		{"reserved Bcc", func(m *Message) { m.Headers = map[string]string{"bcc": "victim@example.org"} }, false},
		{"reserved content-type", func(m *Message) { m.Headers = map[string]string{"Content-Type": "text/html"} }, false},
		{"bad message-id", func(m *Message) { m.MessageID = "no-angle-brackets" }, false},
		{"bad from", func(m *Message) { m.From = "not an address" }, false},
		{"no recipients", func(m *Message) { m.To = nil }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := base()
			tc.mut(&m)
			raw, err := m.Bytes()
			if err == nil {
				t.Fatalf("Bytes accepted it:\n%s", raw)
			}
			if tc.injection && !errors.Is(err, ErrHeaderInjection) {
				t.Errorf("err = %v, want ErrHeaderInjection", err)
			}
			if strings.Contains(err.Error(), "victim@") || strings.Contains(err.Error(), "@example.fi") {
				t.Errorf("error leaks an address: %v", err)
			}
		})
	}
}

func TestNewMessageID(t *testing.T) {
	t.Parallel()
	cases := []struct{ id, domain, want string }{
		{"outbox-123", "rightsdesk.example", "<outbox-123@rightsdesk.example>"},
		{"outbox 123", "rightsdesk.example", "<outbox-123@rightsdesk.example>"},
		{"a@b<c>", "ex ample", "<a-b-c-@ex-ample>"},
		{"x\r\ny", "d.example", "<x--y@d.example>"},
		{"x", "", "<x@rightsdesk.invalid>"},
	}
	for _, tc := range cases {
		got := NewMessageID(tc.id, tc.domain)
		if got != tc.want {
			t.Errorf("NewMessageID(%q, %q) = %q, want %q", tc.id, tc.domain, got, tc.want)
		}
		if !validMessageID(got) {
			t.Errorf("NewMessageID(%q, %q) = %q is not valid", tc.id, tc.domain, got)
		}
	}
	if a, b := NewMessageID("", "x.example"), NewMessageID("", "x.example"); a == b || !validMessageID(a) {
		t.Errorf("empty id should give random valid IDs: %q %q", a, b)
	}
	// Stability: the same outbox row always gets the same ID.
	first, second := NewMessageID("outbox-7", "r.example"), NewMessageID("outbox-7", "r.example")
	if first != second {
		t.Error("NewMessageID is not stable")
	}
}

func TestMessageGeneratedIDAndDate(t *testing.T) {
	t.Parallel()
	m := Message{From: "a@rightsdesk.example", To: []string{"b@example.fi"}, Subject: "s", Text: "t"}
	before := time.Now().Add(-time.Second)
	raw, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	p, err := parseRaw(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(p.MessageID, "@rightsdesk.example>") {
		t.Errorf("generated message-id = %q", p.MessageID)
	}
	d, err := p.Header.Date()
	if err != nil || d.Before(before) || d.After(time.Now().Add(time.Second)) {
		t.Errorf("date = %v, %v", d, err)
	}
	if p.Header.Get("Auto-Submitted") != "" {
		t.Error("Auto-Submitted set although Auto is false")
	}
}
