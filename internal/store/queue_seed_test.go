package store_test

import (
	"context"
	"testing"

	"rightsdesk/internal/store"
)

// seedQueue fills a fresh database with three organisations, eight
// registers each (every fourth without an owner: the DPO's queue, D-11)
// and n cases received every 7 minutes back from the end of 2026, with a
// requester each (blind indexes of an email, of every second one's
// henkilötunnus and of every 25th's represented person) and one to three
// tasks. The open backlog is the point (issue 21): the newest
// 60 % of cases are open, a tenth of the received ones emailed and waiting
// for triage; every 20th case is extended (D-13) and every 9th is also a
// document request (FI-2: urgent_due). Dates are receipt + 1 (or 3)
// months, not rolled: the queries do not care which day they land on.
func seedQueue(ctx context.Context, tb testing.TB, db store.DB, n int) []int64 {
	tb.Helper()
	orgs := seedOrgs(ctx, tb, db, "queue-a", "queue-b", "queue-c")
	return seedRun(ctx, tb, db, orgs, n,
		`INSERT INTO registers (org_id, norm_name, name, legal_basis, owner_email)
		 SELECT o, 'rekisteri ' || r, 'Rekisteri ' || (9 - r), 'c',
		        CASE WHEN r % 4 = 0 THEN '' ELSE 'owner' || r || '@bench.test' END
		 FROM unnest($1::bigint[]) o, generate_series(1, 8) r`,
		`INSERT INTO cases (org_id, receipt, rights, lang, channel, state, needs_triage, received_at, confirmed_at,
		                   raw_end, legal_due, safe_target, extended_due, document_request, doc_due)
		 SELECT ($1::bigint[])[1 + g % 3], 'RD-Q-' || lpad(g::text, 8, '0'), ARRAY['access'], 'fi',
		        CASE WHEN g % 10 = 0 THEN 'email' ELSE 'web' END,
		        CASE WHEN g > $2 * 0.4 OR g % 97 = 0
		             THEN (ARRAY['received', 'awaiting_identity', 'in_progress', 'answer_ready', 'paused'])[1 + g / 3 % 5]
		             ELSE (ARRAY['answered', 'closed', 'refused', 'withdrawn'])[1 + g / 3 % 4] END,
		        g % 10 = 0, t.r, CASE WHEN g % 10 <> 0 THEN t.r + interval '10 minutes' END,
		        (t.r + interval '1 month')::date, (t.r + interval '1 month')::date, (t.r + interval '1 month' - interval '2 days')::date,
		        CASE WHEN g % 20 = 5 THEN (t.r + interval '3 months')::date END,
		        g % 9 = 0, CASE WHEN g % 9 = 0 THEN (t.r + interval '14 days')::date END
		 FROM generate_series(1, $2) g,
		      LATERAL (SELECT timestamptz '2026-12-31 09:00+02' - ($2 - g) * interval '7 minutes') t(r)`,
		`INSERT INTO requesters (case_id, org_id, email_index, email_index_key, hetu_index, subject_hetu_index, on_behalf)
		 SELECT id, org_id, decode(md5('queue' || id), 'hex'), 'k1',
		        CASE WHEN id % 2 = 0 THEN decode(md5('hetu' || id), 'hex') END,
		        CASE WHEN id % 25 = 0 THEN decode(md5('subject' || id), 'hex') END, id % 25 = 0
		 FROM cases WHERE org_id = ANY($1)`,
		seedTasks)
}
