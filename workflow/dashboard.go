package workflow

import (
	"context"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/store"
)

// Issue 21: what the DPO's dashboard records about its own use.

// AccessPersonSearched is the access log's kind for a search by person.
const AccessPersonSearched = "person_searched"

// LogPersonSearch records a search of the dashboard by email or
// henkilötunnus: on every case it finds and once per organisation searched,
// never the searched value (D-25).
func (s *Service) LogPersonSearch(ctx context.Context, f store.DashboardFilter, actor Actor) error {
	return store.New(s.Pool).LogPersonSearch(ctx, f, string(actor), s.Now())
}

// AuditExport appends an export of cases (the dashboard's CSV) to the
// chain of every organisation it covers, with the filter's codes (no
// personal data: a person search is recorded as such, not its value).
func (s *Service) AuditExport(ctx context.Context, orgIDs []int64, actor Actor, action string, data map[string]any) error {
	return s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		for _, id := range orgIDs {
			if err := s.audit(ctx, q, id, 0, actor, action, data); err != nil {
				return err
			}
		}
		return nil
	})
}
