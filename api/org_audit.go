package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// The organisation's audit log (its own chain: settings, staff, tokens,
// catalogue, breaches), for its DPO and administrators: the settings page
// says every change is logged, and nothing showed the log (found in a
// walkthrough). Events hold no personal data (D-25); a case's events are
// on its own page. Newest first, a page at a time (keyset on seq).

const orgAuditPageSize = 100

type orgAuditData struct {
	Org    store.Org
	Events []orgAuditEvent
	// Older is the link to the next page, "" on the last.
	Older string
}

type orgAuditEvent struct {
	Seq     int
	At      string
	Actor   string
	Action  string // in words
	Code    string // as recorded, for whoever verifies the chain
	Details []caseFact
}

func (s *Server) orgAudit(c echo.Context) error {
	o, _, err := s.settingsOrg(c)
	if err != nil {
		return err
	}
	before, _ := strconv.Atoi(c.QueryParam("before"))
	if before < 0 {
		before = 0
	}
	ctx := c.Request().Context()
	q := store.New(s.Pool)
	events, err := q.OrgAuditPage(ctx, o.ID, before, orgAuditPageSize+1)
	if err != nil {
		return err
	}
	d := orgAuditData{Org: o}
	if len(events) > orgAuditPageSize {
		events = events[:orgAuditPageSize]
		d.Older = "/staff/orgs/" + o.Slug + "/audit?before=" + strconv.Itoa(events[len(events)-1].Seq)
	}
	names, err := staffNamesOf(ctx, q, events)
	if err != nil {
		return err
	}
	lang := langOf(c)
	for _, ev := range events {
		d.Events = append(d.Events, orgAuditEvent{Seq: ev.Seq, At: caseTime(ev.At, lang), Actor: s.caseActorLabel(lang, ev.Actor, names, nil),
			Action: s.orgAuditAction(lang, ev.Action), Code: ev.Action, Details: s.orgAuditDetails(lang, ev)})
	}
	return s.render(c, http.StatusOK, "staff_org_audit", lang, s.Catalog.T(lang, "orgaudit.title"), d)
}

// staffNamesOf are the names of the staff who acted in events, by id
// (their actors "staff:ID"), for a log that names who did what.
func staffNamesOf(ctx context.Context, q *store.Q, events []store.AuditEvent) (map[int64]string, error) {
	var ids []int64
	for _, ev := range events {
		if id, ok := strings.CutPrefix(ev.Actor, "staff:"); ok {
			if n, err := strconv.ParseInt(id, 10, 64); err == nil {
				ids = append(ids, n)
			}
		}
	}
	if len(ids) == 0 {
		return map[int64]string{}, nil
	}
	return q.StaffNames(ctx, ids)
}

// orgAuditAction names an organisation-level event in words: its own
// label, else the case timeline's, else "other event".
func (s *Server) orgAuditAction(lang, action string) string {
	if key := "orgaudit.action." + action; s.Catalog.Has(lang, key) {
		return s.Catalog.T(lang, key)
	}
	if s.Catalog.Has(lang, "timeline."+action) {
		return s.Catalog.T(lang, "timeline."+action)
	}
	return s.Catalog.T(lang, "orgaudit.action.other")
}

// orgAuditDetails are an organisation-level event's details in words:
// a breach's by the breach pages' own labels (its number, the fields by
// their form labels, the risk and decision as the form names them), an
// export's and a reminder's as sentences; the rest as on a case's
// timeline. No data key or code reaches the page (found in a
// walkthrough: "Decision: not_notify · risk: none").
func (s *Server) orgAuditDetails(lang string, ev store.AuditEvent) []caseFact {
	data := make(map[string]any, len(ev.Data))
	for k, v := range ev.Data {
		data[k] = v
	}
	num := func(k string) (int, bool) {
		f, ok := data[k].(float64)
		delete(data, k)
		return int(f), ok
	}
	var out []caseFact
	sentence := func(key string, args ...any) {
		out = append(out, caseFact{Value: s.Catalog.T(lang, key, args...)})
	}
	plural := func(key string, n int) {
		if k, ok := s.pluralKey(lang, key, n); ok {
			sentence(k, n)
		}
	}
	if strings.HasPrefix(ev.Action, "breach_") {
		if no, ok := num("no"); ok {
			sentence("breach.page.title", no)
		}
		delete(data, "breach")
		delete(data, "state") // the event names it (closed)
		if fs, ok := data["fields"].([]any); ok {
			var labels []string
			for _, f := range fs {
				labels = append(labels, s.breachFieldLabel(lang, fmt.Sprint(f)))
			}
			if len(labels) > 0 {
				out = append(out, caseFact{Label: s.Catalog.T(lang, "breach.history.fields"), Value: strings.Join(labels, ", ")})
			}
			delete(data, "fields")
		}
		if r, ok := data["risk"].(string); ok {
			out = append(out, caseFact{Label: s.Catalog.T(lang, "orgaudit.breach.risk"), Value: s.caseLabel(lang, "breach.risk.", r)})
			delete(data, "risk")
		}
		if d, ok := data["decision"].(string); ok {
			if d == "" {
				d = "none"
			}
			out = append(out, caseFact{Label: s.Catalog.T(lang, "orgaudit.breach.decision"), Value: s.caseLabel(lang, "breach.decision.", d)})
			delete(data, "decision")
		}
		if at, ok := data["notified_at"].(string); ok {
			if t, err := time.Parse(time.RFC3339, at); err == nil {
				out = append(out, caseFact{Label: s.Catalog.T(lang, "breach.notify.at"), Value: workflow.FormatDateTime(t, lang)})
			}
			delete(data, "notified_at")
		}
		if n, ok := data["notified"].(bool); ok {
			if n && ev.Action == "breach_closed" {
				sentence("orgaudit.breach.notified")
			}
			delete(data, "notified")
		}
		if late, ok := data["late"].(bool); ok {
			if late {
				sentence("breach.notify.late")
			}
			delete(data, "late")
		}
		if ev.Action == "breach_reminded" {
			out = append(out, caseFact{Value: s.breachReminderText(lang, ev)})
			delete(data, "hours_before")
			delete(data, "overdue")
		}
		if due, ok := data["due"].(string); ok {
			if t, err := time.Parse(time.RFC3339, due); err == nil {
				out = append(out, caseFact{Label: s.Catalog.T(lang, "breach.col.deadline"), Value: workflow.FormatDateTime(t, lang)})
			}
			delete(data, "due")
		}
	}
	switch ev.Action {
	case "archive_exported":
		if n, ok := num("cases"); ok {
			plural("orgaudit.tls.archived_cases", n)
		}
	case "digest_sent":
		if n, ok := num("cases"); ok {
			plural("orgaudit.tls.digest_cases", n)
		}
		if n, ok := num("overdue"); ok && n > 0 {
			plural("orgaudit.tls.digest_overdue", n)
		}
		if n, ok := num("purged"); ok && n > 0 {
			plural("orgaudit.tls.digest_purged", n)
		}
		if day, ok := data["day"].(string); ok {
			if d, err := workflow.ParseDate(day); err == nil {
				out = append(out, caseFact{Label: s.Catalog.T(lang, "orgaudit.tl.day"), Value: workflow.FormatDate(d, lang)})
			}
			delete(data, "day")
		}
	case "cases_exported":
		// The dashboard's filter: only what narrowed the list.
		for _, k := range []string{"band", "unit"} {
			if v, ok := data[k].(string); ok && v != "" {
				val := v
				if k == "band" {
					val = s.caseLabel(lang, "band.", v)
				}
				out = append(out, caseFact{Label: s.Catalog.T(lang, "orgaudit.tl."+k), Value: val})
			}
			delete(data, k)
		}
		for _, k := range []string{"receipt_search", "person_search"} {
			if b, _ := data[k].(bool); b {
				sentence("orgaudit.tls." + k)
			}
			delete(data, k)
		}
		if len(out) == 0 && data["state"] == "" && data["right"] == "" && data["channel"] == "" {
			sentence("orgaudit.tls.no_filter")
		}
	case "keys.rotate":
		if n, ok := num("case_keys"); ok {
			plural("orgaudit.tls.case_keys", n)
		}
		if n, ok := num("remaining"); ok && n > 0 {
			plural("orgaudit.tls.remaining", n)
		}
		if k, ok := data["key"].(string); ok {
			out = append(out, caseFact{Label: s.Catalog.T(lang, "orgaudit.tl.key"), Value: k})
			delete(data, "key")
		}
	case "staff.recovery_code_used":
		if n, ok := num("left"); ok {
			plural("orgaudit.tls.codes_left", n)
		}
	}
	if n, ok := num("recipients"); ok {
		plural("orgaudit.tls.recipients", n)
	}
	delete(data, "replaces") // an invitation's id
	ev.Data = data
	return append(out, s.caseEventDetails(lang, ev, nil)...)
}
