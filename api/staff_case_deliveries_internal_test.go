package api

import (
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/i18n"
	"rightsdesk/internal/store"
	"rightsdesk/templates"
	"rightsdesk/workflow"
)

// Issue 18: each delivery line on the case page names its letter as the
// letter list does, says when its link has expired, and counts downloads
// in the singular for one ("1 gång", "1 kerran", "1 time"); the button for
// a new link is offered only to one who may act, and not for a purged case.
func TestCaseDeliveryLinesNameLetterExpiryAndCount(t *testing.T) {
	t.Parallel()
	cat, err := i18n.Load(templates.FS)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Deps: Deps{Catalog: cat, Workflow: &workflow.Service{Catalog: cat}}}
	sent := time.Date(2026, 12, 7, 21, 5, 0, 0, workflow.Helsinki())
	until := workflow.AnswerLinkExpiry(sent) // the end of 21.12.2026
	ds := []store.AnswerDelivery{
		{ID: 1, Kind: "access", Filename: "a.pdf", CreatedAt: sent, ExpiresAt: until, Downloads: 1},
		{ID: 2, Kind: "confirmation", Filename: "c.pdf", CreatedAt: sent, ExpiresAt: until, Downloads: 2},
		{ID: 3, Kind: "access", Filename: "", CreatedAt: sent, ExpiresAt: sent, Downloads: 0}, // purged
	}
	for _, tc := range []struct {
		lang       string
		now        time.Time
		want       [3]string
		wantExpiry bool
	}{
		{"sv", until.Add(-time.Second), [3]string{
			"Svar (tillgång till egna uppgifter): skickat 7.12.2026 kl. 21.05, länken fungerar till och med 21.12.2026, nedladdat 1 gång.",
			"Svar (vad vi har gjort): skickat 7.12.2026 kl. 21.05, länken fungerar till och med 21.12.2026, nedladdat 2 gånger.",
			"Svar (tillgång till egna uppgifter): skickat 7.12.2026 kl. 21.05, länken har gått ut (den fungerade till och med 7.12.2026), nedladdat 0 gånger.",
		}, false},
		{"sv", until, [3]string{
			"Svar (tillgång till egna uppgifter): skickat 7.12.2026 kl. 21.05, länken har gått ut (den fungerade till och med 21.12.2026), nedladdat 1 gång.",
		}, true},
		{"fi", until, [3]string{
			"Vastaus (pääsy omiin tietoihin): lähetetty 7.12.2026 klo 21.05, linkki on vanhentunut (se toimi 21.12.2026 asti), ladattu 1 kerran.",
			"Vastaus (mitä teimme): lähetetty 7.12.2026 klo 21.05, linkki on vanhentunut (se toimi 21.12.2026 asti), ladattu 2 kertaa.",
		}, true},
		{"en", until.Add(-time.Second), [3]string{
			"downloaded 1 time.",
			"Answer (what we have done): sent",
		}, false},
	} {
		lines := s.caseDeliveries(tc.lang, "RD-2026-000001", nil, ds, tc.now, true)
		for i, want := range tc.want {
			if want != "" && !strings.Contains(lines[i].Text, want) {
				t.Errorf("%s line %d = %q, want %q", tc.lang, i, lines[i].Text, want)
			}
		}
		if lines[0].Expired != tc.wantExpiry || !lines[2].Expired {
			t.Errorf("%s at %v: expired = %v, %v", tc.lang, tc.now, lines[0].Expired, lines[2].Expired)
		}
		if lines[0].RenewURL != "/staff/cases/RD-2026-000001/deliveries/1/renew" || lines[2].RenewURL != "" {
			t.Errorf("new link URLs = %q, %q", lines[0].RenewURL, lines[2].RenewURL)
		}
	}
	for _, l := range s.caseDeliveries("sv", "RD-2026-000001", nil, ds, sent, false) {
		if l.RenewURL != "" {
			t.Errorf("one who may not act is offered a new link: %q", l.RenewURL)
		}
	}
}
