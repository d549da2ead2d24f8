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
