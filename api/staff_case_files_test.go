package api_test

import (
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"rightsdesk/internal/store"
	"rightsdesk/internal/testenv"
	"rightsdesk/workflow"
)

// Issue 12: the files of a task's answer are listed on the case page with
// their names and sizes and download links. A download is always an
// attachment (never rendered on our origin), not cached, audited by ids
// only; viewers may download, another organisation gets 404.
func TestCaseTaskFilesDownload(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	ctx := f.env.Ctx
	sub := f.paper(f.org, f.env.Clock.Now().Add(-24*time.Hour), "in_person", nil)
	owned, _ := f.task(f.org, sub.CaseID, false)
	queue, _ := f.task(f.org, sub.CaseID, true)
	files := []struct {
		name, ct, data, wantCT string
	}{
		{"Maija Meikäläinen ote.pdf", "application/pdf", "%PDF-1.7 ote", "application/pdf"},
		{"<script>.html", "text/html", "<script>alert(1)</script>", "application/octet-stream"},
		{"taulukko.csv", "text/csv", "nimi;osoite\nMaija;Katu 1\n", "text/csv; charset=utf-8"},
		{"kuva.svg", "image/svg+xml", "<svg onload=alert(1)></svg>", "application/octet-stream"},
	}
	var atts []workflow.Attachment
	for _, x := range files {
		atts = append(atts, workflow.Attachment{Filename: x.name, ContentType: x.ct, Data: []byte(x.data)})
	}
	if err := f.env.Workflow.AnswerTask(ctx, f.org, owned.ID, workflow.OwnerActor(owned.ID),
		workflow.TaskAnswer{Answer: "extract", Attachments: atts}); err != nil {
		t.Fatal(err)
	}
	casePath := "/staff/cases/" + sub.Receipt
	taskPath := casePath + "/tasks/" + strconv.FormatInt(owned.ID, 10)
	hrefRe := regexp.MustCompile(`^` + regexp.QuoteMeta(taskPath) + `/files/([0-9]+)$`)

	cl := f.login(t, f.dpo)
	p := cl.get(casePath)
	if p.status != http.StatusOK {
		t.Fatalf("case page = %d", p.status)
	}
	list := scByID(p.doc, "task-"+strconv.FormatInt(owned.ID, 10)+"-files")
	links := scElems(list, "a", nil)
	if len(links) != len(files) {
		t.Fatalf("%d file links, want %d: %s", len(links), len(files), scText(list))
	}
	var ids []string
	for i, a := range links {
		href := scAttr(a, "href")
		m := hrefRe.FindStringSubmatch(href)
		if m == nil {
			t.Fatalf("file link %q", href)
		}
		ids = append(ids, m[1])
		if scText(a) != files[i].name {
			t.Errorf("link %d names %q, want %q", i, scText(a), files[i].name)
		}
		if strings.Contains(href, "Maija") || strings.Contains(href, "ote") {
			t.Errorf("a file's name in its URL: %q", href)
		}
	}
	if txt := scText(list); !strings.Contains(txt, "(12 B)") || !strings.Contains(txt, "(25 B)") {
		t.Errorf("sizes not shown: %s", txt)
	}
	if task := scText(scByID(p.doc, "task-"+strconv.FormatInt(owned.ID, 10))); !strings.Contains(task, "Files 4") {
		t.Errorf("file count not shown: %s", task)
	}

	for i, x := range files {
		d := cl.get(taskPath + "/files/" + ids[i])
		if d.status != http.StatusOK || d.body != x.data {
			t.Fatalf("download %s = %d %q", x.name, d.status, d.body)
		}
		h := d.header
		if h.Get("Content-Type") != x.wantCT {
			t.Errorf("%s: Content-Type %q, want %q", x.name, h.Get("Content-Type"), x.wantCT)
		}
		disp, params, err := mime.ParseMediaType(h.Get("Content-Disposition"))
		if err != nil || disp != "attachment" || params["filename"] != x.name {
			t.Errorf("%s: Content-Disposition %q (%v)", x.name, h.Get("Content-Disposition"), err)
		}
		if h.Get("Cache-Control") != "no-store" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: Cache-Control %q, X-Content-Type-Options %q", x.name, h.Get("Cache-Control"), h.Get("X-Content-Type-Options"))
		}
	}

	// Audited: one event per download, by ids; no file name in the trail.
	trail, err := store.New(f.env.Pool).AuditTrail(ctx, f.org.ID, sub.CaseID)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, ev := range trail {
		if ev.Action != "attachment_downloaded" {
			continue
		}
		if ev.Actor != "staff:"+strconv.FormatInt(f.dpoUserID, 10) || ev.Data["task"] != float64(owned.ID) {
			t.Errorf("download event by %s: %v", ev.Actor, ev.Data)
		}
		seen = append(seen, strconv.FormatFloat(ev.Data["attachment"].(float64), 'f', -1, 64))
		for k, v := range ev.Data {
			if s, ok := v.(string); ok && (strings.Contains(s, "Maija") || strings.Contains(s, ".pdf")) {
				t.Errorf("download event's %s carries the file's name: %q", k, s)
			}
		}
	}
	if strings.Join(seen, ",") != strings.Join(ids, ",") {
		t.Errorf("download events for files %v, want %v", seen, ids)
	}
	if tl := scText(scByID(cl.get(casePath).doc, "timeline")); !strings.Contains(tl, "File of a task downloaded") {
		t.Errorf("timeline lacks the download: %s", tl)
	}

	// A viewer sees everything, files included.
	vw := f.login(t, f.viewer)
	vp := vw.get(casePath)
	if links := scElems(scByID(vp.doc, "task-"+strconv.FormatInt(owned.ID, 10)+"-files"), "a", nil); len(links) != len(files) {
		t.Errorf("viewer sees %d file links", len(links))
	}
	if d := vw.get(taskPath + "/files/" + ids[0]); d.status != http.StatusOK || d.body != files[0].data {
		t.Errorf("viewer's download = %d", d.status)
	}

	// Not found: another organisation's DPO (by this case or through a
	// case of their own), another task's URL, an unknown or odd id.
	other := f.paper(f.org2, f.env.Clock.Now().Add(-24*time.Hour), "in_person", nil)
	cl2 := f.login(t, f.dpo2)
	for _, c := range []struct {
		name string
		cl   *scClient
		path string
	}{
		{"other organisation", cl2, taskPath + "/files/" + ids[0]},
		{"other organisation through its own case", cl2, "/staff/cases/" + other.Receipt + "/tasks/" + strconv.FormatInt(owned.ID, 10) + "/files/" + ids[0]},
		{"file under another task", cl, casePath + "/tasks/" + strconv.FormatInt(queue.ID, 10) + "/files/" + ids[0]},
		{"task of another case", cl, "/staff/cases/" + f.paper(f.org, f.env.Clock.Now().Add(-time.Hour), "", nil).Receipt +
			"/tasks/" + strconv.FormatInt(owned.ID, 10) + "/files/" + ids[0]},
		{"unknown file", cl, taskPath + "/files/999999"},
		{"odd id", cl, taskPath + "/files/x1"},
	} {
		if d := c.cl.get(c.path); d.status != http.StatusNotFound || strings.Contains(d.body, files[0].data) {
			t.Errorf("%s: %d", c.name, d.status)
		}
	}
	n := 0
	trail, _ = store.New(f.env.Pool).AuditTrail(ctx, f.org.ID, sub.CaseID)
	for _, ev := range trail {
		if ev.Action == "attachment_downloaded" {
			n++
		}
	}
	if n != len(files)+1 {
		t.Errorf("%d download events, want %d (refused ones not audited)", n, len(files)+1)
	}

	// Signed out: the sign-in page, not the file.
	anon := &scClient{t: t, base: f.base, c: testenv.Client()}
	if d := anon.get(taskPath + "/files/" + ids[0]); d.status != http.StatusSeeOther || strings.Contains(d.body, files[0].data) {
		t.Errorf("signed out: %d", d.status)
	}
}

// ID-5 on the DPO's answer form: the guardian ground and restriction only
// for a request made on someone else's behalf, and ValidateAnswer's
// errors beside the fields they are about.
func TestDPOAnswerFormID5(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	cl := f.login(t, f.dpo)
	T := func(key string) string { return f.env.Catalog.T("en", key) }
	for _, c := range []struct {
		name       string
		onBehalf   bool
		form       url.Values
		field      string // "" = accepted
		key        string
		restricted bool
	}{
		{"guardian restriction without a representative", false,
			url.Values{"answer": {"extract"}, "extract": {"a\tb"}, "guardian_restricted": {"1"}, "ground": {"dpa_34"}},
			"ground", "task.err.guardian_behalf", false},
		{"guardian ground without a representative", false,
			url.Values{"answer": {"refused"}, "ground": {"id5_guardian"}, "comment": {"x"}}, "ground", "task.err.guardian_behalf", false},
		{"a table with no data", false,
			url.Values{"answer": {"no_data"}, "extract": {"a\tb"}}, "extract", "task.err.extract_only", false},
		{"restriction with no data", true,
			url.Values{"answer": {"no_data"}, "guardian_restricted": {"1"}, "ground": {"dpa_34"}}, "guardian_restricted", "task.err.guardian_answer", false},
		{"restriction without its ground", true,
			url.Values{"answer": {"extract"}, "extract": {"a"}, "guardian_restricted": {"1"}}, "ground", "task.err.guardian_ground", false},
		{"restriction with an extract", true,
			url.Values{"answer": {"extract"}, "extract": {"a"}, "guardian_restricted": {"1"}, "ground": {"dpa_34"}}, "", "", true},
		{"refusal on the guardian ground", true,
			url.Values{"answer": {"refused"}, "ground": {"id5_guardian"}, "comment": {"kielto"}}, "", "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			sub := f.paper(f.org, f.env.Clock.Now().Add(-24*time.Hour), "in_person", func(r *workflow.Request) {
				if c.onBehalf {
					r.OnBehalf, r.Relation, r.SubjectName, r.SubjectHetu = true, "guardian", "Pikku Meikäläinen", "010200A9618"
				}
			})
			tk, _ := f.task(f.org, sub.CaseID, true)
			id := strconv.FormatInt(tk.ID, 10)
			prefix := "task-" + id + "-answer-"
			page := cl.get("/staff/cases/" + sub.Receipt)
			offered := len(scElems(scByID(page.doc, prefix+"ground"), "option", func(n *html.Node) bool { return scAttr(n, "value") == "id5_guardian" })) > 0
			if offered != c.onBehalf || (scByID(page.doc, prefix+"guardian_restricted") != nil) != c.onBehalf {
				t.Errorf("guardian ground offered %v, restriction offered %v; want %v", offered,
					scByID(page.doc, prefix+"guardian_restricted") != nil, c.onBehalf)
			}
			p := cl.postMultipart("/staff/cases/"+sub.Receipt+"/tasks/"+id+"/answer", scClone(c.form), nil)
			got, _ := f.task(f.org, sub.CaseID, true)
			if c.field == "" {
				if p.status != http.StatusSeeOther || got.State != "answered" || got.GuardianRestricted != c.restricted {
					t.Fatalf("answer = %d, task %s restricted=%v: %s", p.status, got.State, got.GuardianRestricted, scText(scByID(p.doc, "error-summary")))
				}
				return
			}
			if p.status != http.StatusUnprocessableEntity || got.State != "open" {
				t.Fatalf("answer = %d, task %s; want 422, open", p.status, got.State)
			}
			if e := scByID(p.doc, prefix+c.field+"-error"); scText(e) != T(c.key) {
				t.Errorf("beside %s: %q, want %q", c.field, scText(e), T(c.key))
			}
			if in := scByID(p.doc, prefix+c.field); scAttr(in, "aria-invalid") != "true" || !strings.Contains(scAttr(in, "aria-describedby"), prefix+c.field+"-error") {
				t.Errorf("%s: aria-invalid %q, aria-describedby %q", c.field, scAttr(in, "aria-invalid"), scAttr(in, "aria-describedby"))
			}
			summary := scByID(p.doc, "error-summary")
			if len(scElems(summary, "a", func(a *html.Node) bool { return scAttr(a, "href") == "#"+prefix+c.field })) == 0 {
				t.Errorf("summary does not link #%s%s: %s", prefix, c.field, scText(summary))
			}
		})
	}
}
