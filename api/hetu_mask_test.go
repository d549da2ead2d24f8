package api_test

import (
	"bytes"
	"github.com/riverqueue/river"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"rightsdesk/internal/testenv"
	"rightsdesk/jobs/jobargs"
	"rightsdesk/workflow"
)

// lockedBuffer is a log sink shared by the server, the workflow and the
// job workers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The canaries: valid henkilötunnus with the century signs -, A, Y and
// the reform's B, F and U (legal.md ID-3).
var hetuCanaries = []string{"131052-308T", "010200A9618", "100190Y999P"}

// Issue 16 item 3 (ID-3, D-25): a henkilötunnus typed into free text of
// a web request (details) and of an emailed request, in a note and
// in a refusal reason, is shown in full only on the DPO's case page: it is
// absent from the captured log output (at debug level, without any
// masking handler), from every mail in the catcher, from the audit
// events' data and from the owner's task page.
func TestHetuCanaryMaskedOutsideCasePage_ID3(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	var logs lockedBuffer
	lg := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	env.Logger, env.Workflow.Logger = lg, lg // before the server is built
	org := env.Org("kanari", "Kanarikunta", "Kanariby", "fi")
	const owner = "kirjasto@kanari.test"
	env.Register(org.ID, "Kirjaston asiakasrekisteri", "a", owner)
	ts := env.HTTP()
	f := &inFixture{env: env, org: org, h: ts.Config.Handler}

	// The web form: the hetu field, and hetus in the details and the name.
	form := inMinimal("fi", "maija@example.fi", "access")
	form.Set("hetu", hetuCanaries[0])
	// A hetu in the name is refused (ID-4, intake.err.name_hetu); the
	// lower-case century sign goes in the details instead.
	form.Set("details", "Tunnukseni on "+hetuCanaries[0]+" ja lapsen "+hetuCanaries[1]+" (010200a9618), vanha "+hetuCanaries[2]+".")
	receipt, _ := f.fileAndConfirm(t, f.browser(t, "192.0.2.7"), "fi", form)
	c := f.caseByReceipt(t, receipt)

	// An emailed request with a hetu in its body and subject.
	raw := "From: Matti <matti@example.fi>\r\nTo: " + org.PrivacyEmail + "\r\nSubject: Tietopyyntö " + hetuCanaries[2] +
		"\r\n\r\nPyydän tietoni. Hetu " + hetuCanaries[2] + ".\r\n"
	emailed, err := env.Workflow.ReceiveEmail(env.Ctx, org, workflow.InboundMail{To: org.PrivacyEmail, From: "matti@example.fi",
		Raw: []byte(raw), ReceivedAt: env.Clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	ec := f.caseByReceipt(t, emailed)

	// A DPO: a note and a refusal reason with a hetu.
	auth := &workflow.StaffAuth{Pool: env.Pool, Keys: env.Keys, Now: env.Clock.Now, Argon2Memory: env.Config.Argon2Memory, Argon2Time: env.Config.Argon2Time}
	res, err := auth.AddUser(env.Ctx, workflow.NewStaff{Email: "dpo@kanari.test", Name: "Dana Dpo", Lang: "en", OrgID: org.ID,
		Role: workflow.RoleDPO, Password: scPassword}, workflow.ActorCLI)
	if err != nil {
		t.Fatal(err)
	}
	dpo := workflow.StaffActor(res.UserID)
	if err := env.Workflow.AddNote(env.Ctx, org, c.ID, dpo, "Soitti, tunnus "+hetuCanaries[1]); err != nil {
		t.Fatal(err)
	}
	if err := env.Workflow.VerifyIdentity(env.Ctx, org, c.ID, dpo, "in_person", "Passi, tunnus "+hetuCanaries[0]); err != nil {
		t.Fatal(err)
	}
	if err := env.Workflow.Extend(env.Ctx, org, c.ID, dpo, "Laaja pyyntö ("+hetuCanaries[0]+")"); err != nil {
		t.Fatal(err)
	}
	if err := env.Workflow.Refuse(env.Ctx, org, ec.ID, dpo, "art12_5_unfounded", "Hakija "+hetuCanaries[2]+" ei yksilöitävissä"); err != nil {
		t.Fatal(err)
	}

	// The owner's task mail, reminders, escalation and the digest.
	env.WorkAll()
	link := taskMailed(t, env, owner, "task", taskLinkRe)
	ob := newOwnerBrowser(t, env, ts)
	page := ob.verify(link, owner)
	for _, h := range hetuCanaries {
		if strings.Contains(strings.ToUpper(page.body), h) {
			t.Errorf("the owner's task page shows %s", h)
		}
	}
	if facts := taskFacts(htmlByID(page.doc, "task-asked")); !strings.Contains(page.body, "131052-****") || len(facts) == 0 {
		t.Errorf("the owner's task page lacks the masked details: %v", facts)
	}
	for range 14 { // past the extended deadline: reminders, escalation, digests
		env.Clock.Advance(7 * 24 * time.Hour)
		if _, err := env.River.Insert(env.Ctx, jobargs.DailyDigest{Day: workflow.HelsinkiDate(env.Clock.Now()).String()},
			&river.InsertOpts{ScheduledAt: env.Clock.Now()}); err != nil {
			t.Fatal(err)
		}
		env.WorkAll()
	}

	msgs := env.Catcher.Messages()
	kinds := map[string]bool{}
	for _, m := range msgs {
		kinds[m.Headers.Get("X-Rightsdesk-Kind")] = true
		all := strings.ToUpper(m.Subject + "\n" + m.Text + "\n" + m.HTML + "\n" + string(m.Raw))
		for _, h := range hetuCanaries {
			if strings.Contains(all, h) {
				t.Errorf("a %s mail to %v carries %s", m.Headers.Get("X-Rightsdesk-Kind"), m.To, h)
			}
		}
	}
	for _, k := range []string{"code", "receipt", "task", "task_code", "refused", "extended", "reminder", "escalation", "digest"} {
		if !kinds[k] {
			t.Errorf("no %s mail was sent: the test does not cover it (sent: %v)", k, kinds)
		}
	}

	var data []string
	rows, err := env.Pool.Query(env.Ctx, `SELECT coalesce(data::text, '') FROM audit_events WHERE org_id = $1`, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			t.Fatal(err)
		}
		data = append(data, d)
	}
	if rows.Err() != nil || len(data) < 5 {
		t.Fatalf("audit events: %d %v", len(data), rows.Err())
	}
	for _, d := range data {
		for _, h := range hetuCanaries {
			if strings.Contains(strings.ToUpper(d), h) {
				t.Errorf("audit event data holds %s: %s", h, d)
			}
		}
	}

	// The DPO's case page still shows the details in full.
	sf := &scFx{t: t, env: env, base: ts.URL}
	cl := sf.login(t, "dpo@kanari.test")
	cp := cl.get("/staff/cases/" + receipt)
	if cp.status != http.StatusOK || !strings.Contains(cp.body, hetuCanaries[1]) || !strings.Contains(cp.body, hetuCanaries[0]) {
		t.Errorf("the DPO's case page must show the details in full (%d)", cp.status)
	}

	out := strings.ToUpper(logs.String())
	if len(out) < 100 {
		t.Fatalf("the log capture is empty: the test would prove nothing")
	}
	for _, h := range hetuCanaries {
		if strings.Contains(out, h) || strings.Contains(out, url.QueryEscape(h)) {
			t.Errorf("the log output holds %s", h)
		}
	}
}
