package api

import (
	"context"
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"rightsdesk/internal/store"
)

// csvBatch is how many rows the export reads per query (keyset paging).
const csvBatch = 500

// staffCasesCSV streams the dashboard's current view as CSV (issue 21):
// the same filter and the same columns as the page, every page of it, no
// personal data beyond what the view shows. The export is audited on the
// chain of each organisation it covers; an export of a person search
// (POSTed) is also a person search in the access log.
func (s *Server) staffCasesCSV(c echo.Context) error {
	ctx := c.Request().Context()
	lang := langOf(c)
	person := c.Request().Method == http.MethodPost
	get := c.QueryParam
	if person {
		get = c.FormValue
	}
	d, f, orgByID, _, err := s.dashboardView(c, get, person)
	if err != nil {
		return err
	}
	if d.PersonError != "" {
		return errNotFound
	}
	actor := staffUser(c).Actor()
	if person {
		if err := s.Workflow.LogPersonSearch(ctx, f, actor); err != nil {
			return err
		}
	}
	filter := map[string]any{"state": d.State, "right": d.Right, "channel": d.Channel, "unit": d.Unit,
		"band": d.Band, "receipt_search": d.Query != "", "person_search": person}
	if err := s.Workflow.AuditExport(ctx, f.OrgIDs, actor, "cases_exported", filter); err != nil {
		return err
	}
	orgNames := map[int64]string{}
	for id, o := range orgByID {
		orgNames[id] = o.Name(lang)
	}

	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="requests.csv"`)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	// A byte-order mark: spreadsheet programs read the file as UTF-8.
	if _, err := c.Response().Write([]byte("\uFEFF")); err != nil {
		return nil
	}
	w := csv.NewWriter(c.Response())
	// The handler's column is the page's (staffcase.filter.assignee heads
	// it there too): a staff member's name, or email when unnamed.
	head := []string{"staffcase.col.receipt", "staffcase.col.org", "staffcase.col.rights", "staffcase.col.state",
		"staffcase.col.channel", "staffcase.col.due", "staffcase.csv.clock", "staffcase.csv.band",
		"staffcase.col.outcome", "staffcase.col.outcome_date", "staffcase.col.tasks", "staffcase.filter.assignee"}
	for i, k := range head {
		head[i] = s.Catalog.T(lang, k)
	}
	_ = w.Write(head)
	today := s.caseToday()
	f.After, f.Limit = nil, csvBatch
	written, limit := 0, -1
	handlers := map[int64]string{} // across batches: a handler is looked up once
	if person {
		limit = personSearchLimit // as the page lists
	}
	for {
		rows, err := store.New(s.Pool).Dashboard(ctx, f)
		if err == nil {
			err = s.handlerNames(ctx, rows, handlers)
		}
		if err != nil {
			// Headers are sent: the truncated file ends with a line saying so.
			_ = w.Write([]string{s.Catalog.T(lang, "staffcase.csv.incomplete")})
			w.Flush()
			return nil
		}
		for _, r := range rows {
			if limit >= 0 && written >= limit {
				break
			}
			row := s.dashboardRow(r, orgByID, orgNames, lang, today)
			_ = w.Write([]string{csvCell(row.Receipt), csvCell(row.Org), csvCell(row.Rights), csvCell(row.State),
				csvCell(row.Channel), row.DueISO, csvCell(row.ClockLabel), csvCell(row.BandLabel),
				csvCell(row.Outcome), row.EndedISO, strconv.Itoa(row.OpenTasks), csvCell(handlerOf(r, handlers))})
			written++
		}
		w.Flush()
		if w.Error() != nil || len(rows) < csvBatch || (limit >= 0 && written >= limit) {
			return nil
		}
		last := rows[len(rows)-1]
		f.After = &store.DashboardCursor{Due: last.SortDue, ID: last.ID}
	}
}

// handlerNames adds to names the handlers of rows it does not hold yet, in
// one query: a dashboard page's, or a CSV export's batch (names kept
// across batches: most exports name a few staff members).
func (s *Server) handlerNames(ctx context.Context, rows []store.DashboardRow, names map[int64]string) error {
	var ids []int64
	for _, r := range rows {
		if r.AssignedTo == nil {
			continue
		}
		if _, ok := names[*r.AssignedTo]; !ok && !slices.Contains(ids, *r.AssignedTo) {
			ids = append(ids, *r.AssignedTo)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	got, err := store.New(s.Pool).StaffNames(ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		names[id] = got[id]
	}
	return nil
}

// handlerOf is the row's handler as the page shows it, "" for none.
func handlerOf(r store.DashboardRow, names map[int64]string) string {
	if r.AssignedTo == nil {
		return ""
	}
	return names[*r.AssignedTo]
}

// csvCell keeps a cell from being read as a formula by a spreadsheet.
func csvCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
