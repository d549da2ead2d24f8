package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/store"
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
			Action: s.orgAuditAction(lang, ev.Action), Code: ev.Action, Details: s.caseEventDetails(lang, ev, nil)})
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
