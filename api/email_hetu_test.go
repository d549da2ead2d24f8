package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// ID-4: a henkilötunnus written in an emailed request's text is masked on
// the case page, in the text and in the triage form's copy of it (web
// requests' codes were; emailed ones were shown in full, unlogged). The
// triage form has its own field for it, so owners are not told none was
// given while the quoted text shows one (found in a walkthrough).
func TestEmailedHetuMaskedAndRecordedAtTriage_ID4(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	const hetu = "131052-308T"
	raw := "From: Maija <maija@example.fi>\r\nTo: " + f.org.PrivacyEmail + "\r\nSubject: Tietopyyntö\r\n\r\nHenkilötunnukseni on " + hetu + ". Poistakaa tietoni.\r\n"
	receipt, err := f.env.Workflow.ReceiveEmail(f.env.Ctx, f.org, workflow.InboundMail{To: f.org.PrivacyEmail, From: "maija@example.fi",
		Raw: []byte(raw), ReceivedAt: f.env.Clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	dpo := f.login(t, f.dpo)
	p := dpo.get("/staff/cases/" + receipt)
	if strings.Contains(p.body, hetu) || strings.Contains(p.body, "308T") {
		t.Error("the case page shows the emailed henkilötunnus in full")
	}
	if !strings.Contains(scText(scByID(p.doc, "case-details")), "131052-****") {
		t.Errorf("the request's text %q lacks the masked code", scText(scByID(p.doc, "case-details")))
	}
	if !strings.Contains(scText(scByID(p.doc, "triage-details")), "131052-****") || scByID(p.doc, "triage-hetu") == nil {
		t.Fatal("the triage form lacks the masked text or the henkilötunnus field")
	}
	form := url.Values{"rights": {"erasure"}, "scope": {"all"}, "lang": {"fi"}, "name": {"Maija Meikäläinen"},
		"email": {"maija@example.fi"}, "hetu": {hetu}, "delivery": {"electronic"}, "details": {scText(scByID(p.doc, "triage-details"))}}
	if p := dpo.post("/staff/cases/"+receipt+"/actions/triage", form); p.status != http.StatusSeeOther {
		t.Fatalf("triage = %d: %s", p.status, scText(scByID(p.doc, "error-summary")))
	}
	c := f.caseByReceipt(f.org, receipt)
	req, err := store.New(f.env.Pool).RequesterOf(f.env.Ctx, f.org.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if req.HetuMask != "131052-****" || len(req.HetuIndex) == 0 {
		t.Errorf("requester's henkilötunnus after triage: mask %q, indexed %v", req.HetuMask, len(req.HetuIndex) > 0)
	}
	if strings.Contains(c.Details, hetu) {
		t.Error("the stored request text still holds the henkilötunnus in full")
	}
	// A wrong one is refused beside its field, the rest kept.
	other := f.emailed(f.org)
	form.Set("hetu", "131052-308X")
	if p := dpo.post("/staff/cases/"+other+"/actions/triage", form); p.status != http.StatusUnprocessableEntity || scByID(p.doc, "triage-hetu-error") == nil {
		t.Errorf("triage with a wrong henkilötunnus = %d, error beside the field: %v", p.status, scByID(p.doc, "triage-hetu-error") != nil)
	}
}
