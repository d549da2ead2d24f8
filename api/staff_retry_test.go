package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"rightsdesk/internal/store"
)

// Issue 6: a mail that failed permanently is shown to the DPO, who can send
// it again; staff of another organisation cannot see or touch it.
func TestStaffRetryFailedMail(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	ctx := context.Background()
	id, err := store.New(f.env.Pool).InsertOutbox(ctx, store.OutboxRow{OrgID: f.org.ID, Kind: "receipt", To: "resident@example.test",
		Lang: "fi", Subject: "s", Text: "t", HTML: "<p>t</p>"}, "example.test")
	if err != nil {
		t.Fatal(err)
	}
	if err := store.New(f.env.Pool).MarkOutboxAttempt(ctx, id, "550 5.1.1 mailbox unavailable", true, f.env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	path := "/staff/mail/failed/" + strconv.FormatInt(id, 10) + "/retry"

	other := f.login(t, f.dpo2)
	if p := other.post(path, url.Values{}); p.status != http.StatusNotFound {
		t.Fatalf("other org retry = %d", p.status)
	}
	viewer := f.login(t, f.viewer)
	if p := viewer.post(path, url.Values{}); p.status != http.StatusForbidden {
		t.Fatalf("viewer retry = %d", p.status)
	}
	dpo := f.login(t, f.dpo)
	dash := dpo.get("/staff/")
	if scByID(dash.doc, "failed-mail") == nil {
		t.Fatal("dashboard does not show the failed mail")
	}
	if p := dpo.post(path, url.Values{}); p.status != http.StatusSeeOther {
		t.Fatalf("dpo retry = %d", p.status)
	}
	f.env.WorkAll("deliver_mail")
	var state string
	if err := f.env.Pool.QueryRow(ctx, `SELECT state FROM outbox WHERE id = $1`, id).Scan(&state); err != nil || state != "sent" {
		t.Fatalf("after retry: %s %v", state, err)
	}
	if scByID(dpo.get("/staff/").doc, "failed-mail") != nil {
		t.Fatal("sent mail still listed as failed")
	}
}

// Issue 17: a mail that keeps failing temporarily is shown with the
// failed ones once it has failed for over 15 minutes, marked as still
// retried, with "send again", which sends it now.
func TestStaffDashboardShowsMailStuckFor15Minutes(t *testing.T) {
	t.Parallel()
	f := newSCFx(t)
	ctx := context.Background()
	q := store.New(f.env.Pool)
	id, err := q.InsertOutbox(ctx, store.OutboxRow{OrgID: f.org.ID, Kind: "receipt", To: "resident@example.test",
		Lang: "fi", Subject: "s", Text: "t", HTML: "<p>t</p>"}, "example.test")
	if err != nil {
		t.Fatal(err)
	}
	if err := q.MarkOutboxAttempt(ctx, id, "smtp: RCPT rejected: 451 4.3.0 try later", false, f.env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	dpo := f.login(t, f.dpo)
	if scByID(dpo.get("/staff/").doc, "failed-mail") != nil {
		t.Fatal("a mail failing for minutes is already on the dashboard")
	}
	f.env.Clock.Advance(16 * time.Minute)
	box := scByID(dpo.get("/staff/").doc, "failed-mail")
	if box == nil {
		t.Fatal("a mail failing for 16 minutes is not on the dashboard")
	}
	txt := scText(box)
	if !strings.Contains(txt, f.env.Catalog.T("en", "staffcase.failed.still_trying")) || !strings.Contains(txt, "451 4.3.0") {
		t.Errorf("stuck mail row: %s", txt)
	}
	path := "/staff/mail/failed/" + strconv.FormatInt(id, 10) + "/retry"
	if len(scElems(box, "form", func(n *html.Node) bool { return scAttr(n, "action") == path })) != 1 {
		t.Fatalf("no send again form for %s", path)
	}
	if p := dpo.post(path, url.Values{}); p.status != http.StatusSeeOther {
		t.Fatalf("send again = %d", p.status)
	}
	f.env.WorkAll("deliver_mail")
	var state string
	if err := f.env.Pool.QueryRow(ctx, `SELECT state FROM outbox WHERE id = $1`, id).Scan(&state); err != nil || state != "sent" {
		t.Fatalf("after send again: %s %v", state, err)
	}
	if scByID(dpo.get("/staff/").doc, "failed-mail") != nil {
		t.Fatal("sent mail still listed")
	}
}
