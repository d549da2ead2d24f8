package api_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// Issue 22: before the purge, the DPO downloads closed cases as an archive
// package (letters, decisions, the audit trail as JSON); the download is
// audited; a viewer and another organisation's DPO get none; open cases
// are not in it.
func TestArchivePackage(t *testing.T) {
	t.Parallel()
	f, _ := newDeliveryFx(t)
	closed := f.inState(workflow.StateClosed)
	open := f.inState(workflow.StateInProgress)
	f.env.Clock.Advance(24 * time.Hour)
	day := workflow.HelsinkiDate(f.env.Clock.Now()).AddDays(1).String()
	path := "/staff/orgs/" + f.org.Slug + "/archive?closed_before=" + day

	if p := f.login(t, f.viewer).get(path); p.status != http.StatusForbidden {
		t.Fatalf("viewer: %d", p.status)
	}
	if p := f.login(t, f.dpo2).get(path); p.status != http.StatusNotFound {
		t.Fatalf("another organisation's DPO: %d", p.status)
	}
	dpo := f.login(t, f.dpo)
	if p := dpo.get("/staff/orgs/" + f.org.Slug + "/archive?closed_before=huomenna"); p.status != http.StatusBadRequest {
		t.Fatalf("bad date: %d", p.status)
	}
	p := dpo.get(path)
	if p.status != http.StatusOK || p.header.Get("Content-Type") != "application/zip" ||
		!strings.Contains(p.header.Get("Content-Disposition"), f.org.Slug+"-archive-") {
		t.Fatalf("archive: %d %v", p.status, p.header)
	}
	z, err := zip.NewReader(bytes.NewReader([]byte(p.body)), int64(len(p.body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, zf := range z.File {
		r, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		files[zf.Name] = b
	}
	var man struct {
		Format string   `json:"format"`
		Cases  []string `json:"cases"`
	}
	if err := json.Unmarshal(files["manifest.json"], &man); err != nil || man.Format != workflow.ArchiveFormat ||
		len(man.Cases) != 1 || man.Cases[0] != closed.Receipt {
		t.Fatalf("manifest %+v %v (open case %s must not be in it)", man, err, open.Receipt)
	}
	var cj struct {
		Receipt  string   `json:"receipt"`
		ClosedAt string   `json:"closed_at"`
		Letters  []string `json:"letters"`
	}
	if err := json.Unmarshal(files[closed.Receipt+"/case.json"], &cj); err != nil || cj.Receipt != closed.Receipt || cj.ClosedAt == "" {
		t.Fatalf("case.json %+v %v", cj, err)
	}
	for _, l := range cj.Letters {
		if !bytes.HasPrefix(files[closed.Receipt+"/letters/"+l], []byte("%PDF")) {
			t.Errorf("letter %s is not a PDF in the package", l)
		}
	}
	var events []struct {
		Seq    int    `json:"seq"`
		Action string `json:"action"`
	}
	if err := json.Unmarshal(files[closed.Receipt+"/audit.json"], &events); err != nil || len(events) < 3 ||
		events[0].Seq != 1 || events[len(events)-1].Action != "close" {
		t.Fatalf("audit.json %+v %v", events, err)
	}
	q := store.New(f.env.Pool)
	if ok, err := q.AuditExists(f.env.Ctx, f.org.ID, closed.ID, "case.archived", map[string]any{}); err != nil || !ok {
		t.Fatalf("case.archived not audited: %v", err)
	}
	if ok, err := q.AuditExists(f.env.Ctx, f.org.ID, 0, "archive_exported", map[string]any{"cases": 1}); err != nil || !ok {
		t.Fatalf("archive_exported not audited: %v", err)
	}
	// One case by its receipt; an open case is not found.
	if p := dpo.get("/staff/orgs/" + f.org.Slug + "/archive?receipt=" + closed.Receipt); p.status != http.StatusOK {
		t.Fatalf("one case: %d", p.status)
	}
	if p := dpo.get("/staff/orgs/" + f.org.Slug + "/archive?receipt=" + open.Receipt); p.status != http.StatusNotFound {
		t.Fatalf("open case by receipt: %d", p.status)
	}
}

// Issue 22: the archive package is reached from the organisation's
// settings (it was linked from nowhere, and its bare address answered
// 400): the DPO's settings page has the form, with today as the day, and
// the staff accounts' link; the bare address leads to that form.
func TestArchiveReachedFromSettings(t *testing.T) {
	t.Parallel()
	f, _ := newDeliveryFx(t)
	closed := f.inState(workflow.StateClosed)
	f.env.Clock.Advance(24 * time.Hour)
	dpo := f.login(t, f.dpo)
	settings := "/staff/orgs/" + f.org.Slug + "/settings"
	if p := dpo.get("/staff/orgs/" + f.org.Slug + "/archive"); p.status != http.StatusSeeOther || p.location() != settings+"#archive" {
		t.Fatalf("the bare archive address = %d %q, want the settings' form", p.status, p.location())
	}
	p := dpo.get(settings)
	form := scByID(p.doc, "archive")
	if form == nil {
		t.Fatal("the DPO's settings page has no archive form")
	}
	day := scByID(p.doc, "f-closed-before")
	if today := workflow.HelsinkiDate(f.env.Clock.Now()).String(); scAttr(day, "value") != today || scAttr(day, "name") != "closed_before" {
		t.Errorf("the archive's day is %q (%q), want today %s", scAttr(day, "value"), scAttr(day, "name"), today)
	}
	if got := scAttr(scByID(p.doc, "staff-link"), "href"); got != "/staff/orgs/"+f.org.Slug+"/staff" {
		t.Errorf("staff accounts' link = %q", got)
	}
	// The form as a browser sends it, the day after today.
	z := dpo.get("/staff/orgs/" + f.org.Slug + "/archive?closed_before=" + workflow.HelsinkiDate(f.env.Clock.Now()).AddDays(1).String())
	if z.status != http.StatusOK || !strings.Contains(z.body, closed.Receipt+"/case.json") {
		t.Errorf("the form's archive = %d, without %s", z.status, closed.Receipt)
	}
}

// A viewer's menu does not offer entering a request, which the form
// refuses them (403); a DPO's does.
func TestViewerMenuOffersNoNewRequest(t *testing.T) {
	t.Parallel()
	f, _ := newDeliveryFx(t)
	if p := f.login(t, f.viewer).get("/staff/"); scByID(p.doc, "nav-newcase") != nil {
		t.Error("a viewer's menu offers entering a request")
	}
	if p := f.login(t, f.dpo).get("/staff/"); scByID(p.doc, "nav-newcase") == nil {
		t.Error("a DPO's menu lacks entering a request")
	}
}
