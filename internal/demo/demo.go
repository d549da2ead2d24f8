// Package demo fills an organisation with synthetic but realistic cases
// (issue 21: `rightsdesk demo`), sealed like real ones: each case gets its
// own data key, wrapped under the keyring, and every personal field is
// sealed with it in Go; the rows then go in with binary COPY, a batch per
// transaction. Audit chains are linked in Go as the store links them
// (store.ChainNewEventsJSON over canonical JSON written here), so
// `rightsdesk audit verify` passes.
// Nothing here is real personal data: names come from short lists of
// common Finnish and Swedish names, addresses are made up and emails use
// the reserved .example domain.
package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/secret"
	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

// Options say how many cases to add and over which period.
type Options struct {
	Cases int
	// Years: cases are received over this many years up to Now. Zero
	// spreads them over the organisation's retention (D-28), so that the
	// server's retention purge finds none of the closed ones due.
	Years int
	Seed  uint64    // the same seed gives the same cases (receipts and ids aside)
	Now   time.Time // default time.Now()
	Batch int       // cases per COPY transaction (default 5000)
	// History: only finished cases received before the last 90 days (an
	// installation's years of closed history under a steady backlog;
	// the benchmarks grow a database with it).
	History bool
	// Indexes: what to do with the secondary indexes during the load
	// (default auto).
	Indexes IndexMode
	// Writers: COPY transactions at once (default 2, one per core here).
	Writers int
	// Progress, when set, gets a progress line (rewritten with \r).
	Progress io.Writer
}

// Report counts what was added.
type Report struct {
	Cases, Tasks, Events int
	ByState              map[string]int
	// Indexes says what the load did with the indexes, and why.
	Indexes string
	// Rebuilt is how many indexes were built again after the load, and
	// Rebuild how long that took.
	Rebuilt int
	Rebuild time.Duration
	Elapsed time.Duration
}

type register struct {
	id         int64
	basis      string
	ownerEmail string
}

// Actor is the audit actor of every demo event: the trail says plainly
// that the case is synthetic.
const Actor = "demo"

// Generate adds opt.Cases cases to org. It works beside a running server:
// ids and receipt numbers come from the database's own sequences.
//
// Goroutines generate and seal the batches (sealing, audit MACs);
// opt.Writers goroutines COPY them, each batch in its own transaction
// (PostgreSQL is the bottleneck). A large load beside no other client
// drops the secondary indexes first and builds them again at the end,
// which is deferred so an error or an interrupt still ends with them back.
func Generate(ctx context.Context, pool *pgxpool.Pool, keys *secret.Keys, org store.Org, opt Options) (rep Report, err error) {
	if opt.Cases <= 0 {
		return Report{}, fmt.Errorf("demo: --cases must be positive")
	}
	if keys == nil {
		return Report{}, store.ErrNoKeys
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	from := opt.Now.AddDate(-opt.Years, 0, 0)
	if opt.Years <= 0 {
		from = withinRetention(org, opt.Now)
	}
	if opt.Batch <= 0 {
		opt.Batch = 5000
	}
	if opt.Writers <= 0 {
		opt.Writers = 2
	}
	if opt.Indexes == "" {
		opt.Indexes = IndexesAuto
	}
	progress := func(format string, a ...any) {
		if opt.Progress != nil {
			fmt.Fprintf(opt.Progress, format, a...)
		}
	}
	rep = Report{ByState: map[string]int{}}
	start := time.Now()
	// An earlier load killed before its rebuild left its indexes dropped.
	if n, err := restoreIndexes(ctx, pool); err != nil {
		return rep, err
	} else if n > 0 {
		progress("demo: rebuilt %d indexes an interrupted load had dropped (%s)\n", n, since(start))
	}
	rows, err := pool.Query(ctx, `SELECT id, legal_basis, owner_email FROM registers WHERE org_id = $1 ORDER BY id`, org.ID)
	if err != nil {
		return Report{}, fmt.Errorf("demo: registers: %w", err)
	}
	var regs []register
	var r register
	if _, err := pgx.ForEachRow(rows, []any{&r.id, &r.basis, &r.ownerEmail}, func() error {
		regs = append(regs, r)
		return nil
	}); err != nil {
		return Report{}, fmt.Errorf("demo: registers: %w", err)
	}
	if opt.History {
		opt.Now = opt.Now.AddDate(0, 0, -90)
		if opt.Years > 0 {
			from = opt.Now.AddDate(-opt.Years, 0, 0)
		}
	}
	g := &gen{history: opt.History, org: org, regs: regs, keys: keys, cal: workflow.CalendarFor(org), now: opt.Now,
		from: from, seed: opt.Seed}
	// Rows are consistent by construction (ids reserved from the
	// sequences, registers read above), so a superuser (the embedded
	// default) skips the per-row foreign-key triggers, which cost more
	// than the COPY itself; another role keeps them.
	if err := pool.QueryRow(ctx, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&g.superuser); err != nil {
		return Report{}, fmt.Errorf("demo: role: %w", err)
	}

	drop, why, err := decideIndexes(ctx, pool, opt.Indexes, opt.Cases)
	if err != nil {
		return rep, err
	}
	rep.Indexes = why
	progress("demo: %s\n", why)
	rebuilt := !drop
	rebuild := func(ctx context.Context) error {
		rebuilt = true
		t := time.Now()
		progress("demo: rebuilding indexes...")
		n, err := restoreIndexes(ctx, pool)
		rep.Rebuilt, rep.Rebuild = n, time.Since(t)
		progress("\rdemo: rebuilt %d indexes in %s\n", n, since(t))
		return err
	}
	if drop {
		// Registered before the drop (a drop that failed has rolled back
		// and the restore finds nothing); an interrupt does not stop it.
		defer func() {
			if !rebuilt {
				err = errors.Join(err, rebuild(context.WithoutCancel(ctx)))
			}
		}()
		if _, err := dropIndexes(ctx, pool); err != nil {
			return rep, err
		}
	}
	if err := g.load(ctx, pool, opt, &rep, start); err != nil {
		return rep, err
	}
	if !rebuilt {
		if err := rebuild(context.WithoutCancel(ctx)); err != nil {
			return rep, err
		}
	}
	// Fresh statistics, after the rebuild so that the expression indexes
	// get theirs: the planner must see the new distribution.
	if _, err := pool.Exec(ctx, `ANALYZE cases, requesters, tasks, case_keys, audit_events, audit_heads`); err != nil {
		return rep, fmt.Errorf("demo: analyze: %w", err)
	}
	if err := finishCounts(ctx, pool, org.ID); err != nil {
		return rep, err
	}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// withinRetention is the earliest receipt time of the default spread: the
// organisation's retention (D-28; the shortest one if unset) back from
// now. The purge takes a closed case retention years after its closing,
// and a case closes weeks after it was received (14 days after its
// answer here), so at now none of them is due, and the first one about
// three weeks later: from then on the purge takes a steady trickle, as in
// an installation that has run for years (docs/scale.md 17).
func withinRetention(org store.Org, now time.Time) time.Time {
	years := org.RetentionYears
	if years < workflow.MinRetentionYears {
		years = workflow.MinRetentionYears
	}
	return now.AddDate(-years, 0, 0)
}

// load generates the batches in opt.Writers goroutines and copies them in
// opt.Writers others; the first error stops all of them.
func (g *gen) load(ctx context.Context, pool *pgxpool.Pool, opt Options, rep *Report, start time.Time) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	batches := make(chan *batch, opt.Writers)
	// As many generators as writers: the Go side (sealing, audit MACs,
	// COPY encoding) then never leaves PostgreSQL waiting on a busy
	// machine. Batch i draws from its own stream, so a seed gives the
	// same cases however the batches interleave.
	var next atomic.Int64
	var gens sync.WaitGroup
	for range opt.Writers {
		gens.Add(1)
		go func() {
			defer gens.Done()
			for {
				i := int(next.Add(1) - 1)
				if i*opt.Batch >= opt.Cases || ctx.Err() != nil {
					return
				}
				n := min(opt.Batch, opt.Cases-i*opt.Batch)
				b, err := g.batch(ctx, pool, n, rand.New(rand.NewPCG(g.seed, 0x5eed+uint64(i))))
				if err != nil {
					cancel(err)
					return
				}
				select {
				case batches <- b:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		gens.Wait()
		close(batches)
	}()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range opt.Writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				if ctx.Err() != nil {
					continue // drain: the generator stops at the cancel
				}
				if err := b.copy(ctx, pool, g.superuser, w*3); err != nil {
					cancel(err)
					continue
				}
				mu.Lock()
				rep.Cases += b.cases.rows
				rep.Tasks += b.tasks.rows
				rep.Events += b.events.rows
				for st, n := range b.byState {
					rep.ByState[st] += n
				}
				if opt.Progress != nil {
					fmt.Fprintf(opt.Progress, "\rdemo: %d/%d cases (%d%%), %d tasks, %d audit events, %.0f cases/s   ",
						rep.Cases, opt.Cases, rep.Cases*100/opt.Cases, rep.Tasks, rep.Events, float64(rep.Cases)/time.Since(start).Seconds())
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if opt.Progress != nil {
		fmt.Fprintln(opt.Progress)
	}
	return context.Cause(ctx)
}

// finishCounts runs once after the load: the replica role's COPY skipped
// the triggers of the maintained count tables (open_due_counts,
// open_right_counts, open_task_counts), so they are recomputed for the
// organisation from cases and tasks, correctly beside concurrent writers
// (store.RebuildMaintainedCounts). With triggers on it changes nothing.
func finishCounts(ctx context.Context, pool *pgxpool.Pool, orgID int64) error {
	if err := store.New(pool).RebuildMaintainedCounts(ctx, orgID); err != nil {
		return fmt.Errorf("demo: maintained counts: %w", err)
	}
	return nil
}

type gen struct {
	org       store.Org
	regs      []register
	keys      *secret.Keys
	cal       workflow.Calendar
	now, from time.Time
	seed      uint64
	superuser bool
	history   bool
}

// batch is one transaction's rows, each table's in binary COPY format
// (copyenc.go), in the column order below.
type batch struct {
	cases, keys, requesters, tasks, events, heads copyBuf
	byState                                       map[string]int
}

var caseColumns = []string{"id", "org_id", "receipt", "gdpr", "document_request", "rights", "all_registers", "details",
	"delivery", "lang", "channel", "state", "needs_triage", "received_at", "confirmed_at", "raw_end", "legal_due", "safe_target",
	"extended_due", "extension_reason", "doc_due", "doc_extended_due", "doc_decided_at", "doc_decision",
	"paused_at", "paused_from_state", "email_verified_at", "identity_verified_at", "identity_method",
	"answered_at", "closed_at", "created_at", "updated_at", "eves_non_working"}

var (
	keyColumns       = []string{"case_id", "key_id", "wrapped", "created_at"}
	requesterColumns = []string{"case_id", "org_id", "name", "email", "phone", "address", "on_behalf", "relation",
		"subject_name", "email_index", "email_index_key"}
	taskColumns = []string{"org_id", "case_id", "register_id", "right", "state", "legal_basis", "allowed_answers",
		"owner_email", "answer", "answered_at", "answered_by", "opened_at", "created_at", "updated_at", "case_due", "case_open"}
	eventColumns = []string{"org_id", "case_id", "seq", "at", "actor", "action", "data", "prev_hash", "hash", "key_id"}
	headColumns  = []string{"org_id", "case_id", "seq", "hash"}
)

// copy writes the batch in one transaction. rotate > 0 starts at another
// table (only without foreign-key checks, which need cases first): two
// writers then rarely extend the same table at once, which PostgreSQL 15
// serialises on the table's extension lock.
func (b *batch) copy(ctx context.Context, pool *pgxpool.Pool, skipFKChecks bool, rotate int) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// A lost last batch after a crash costs nothing here, and each
		// commit then need not wait for its WAL flush.
		if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if skipFKChecks {
			if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
				return fmt.Errorf("demo: %w", err)
			}
		}
		tables := []struct {
			table string
			cols  []string
			rows  *copyBuf
		}{
			{"cases", caseColumns, &b.cases},
			{"case_keys", keyColumns, &b.keys},
			{"requesters", requesterColumns, &b.requesters},
			{"tasks", taskColumns, &b.tasks},
			{"audit_events", eventColumns, &b.events},
			{"audit_heads", headColumns, &b.heads},
		}
		if skipFKChecks {
			k := rotate % len(tables)
			tables = slices.Concat(tables[k:], tables[:k])
		}
		for _, t := range tables {
			if t.rows.rows == 0 {
				continue
			}
			cols := make([]string, len(t.cols))
			for i, c := range t.cols {
				cols[i] = pgx.Identifier{c}.Sanitize()
			}
			sql := `COPY ` + pgx.Identifier{t.table}.Sanitize() + ` (` + strings.Join(cols, ", ") + `) FROM STDIN (FORMAT binary)`
			tag, err := tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(t.rows.data()), sql)
			if err != nil {
				return fmt.Errorf("demo: copying %s: %w", t.table, err)
			}
			if tag.RowsAffected() != int64(t.rows.rows) {
				return fmt.Errorf("demo: copying %s: %d rows of %d", t.table, tag.RowsAffected(), t.rows.rows)
			}
		}
		return nil
	})
}

// pick returns one of items by weight.
func pick[T any](r *rand.Rand, items []T, weights []int) T {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return items[i]
		}
		n -= w
	}
	return items[len(items)-1]
}

var (
	rightsMix   = []string{"access", "erasure", "rectification", "objection", "restriction", "portability", "withdraw_consent"}
	rightsW     = []int{60, 12, 10, 5, 4, 4, 5}
	channels    = []string{"web", "email", "api", "paper", "phone", "counter"}
	channelsW   = []int{55, 20, 10, 8, 4, 3}
	openStates  = []string{"received", "awaiting_identity", "in_progress", "answer_ready", "paused"}
	openW       = []int{15, 15, 45, 15, 5}
	doneStates  = []string{"answered", "closed", "refused", "withdrawn"}
	doneW       = []int{78, 12, 4, 6}
	methods     = []string{"suomi_fi", "bank_id", "counter", "known_email"}
	fiFirst     = []string{"Aino", "Eino", "Helmi", "Juhani", "Kaarina", "Lauri", "Minna", "Olavi", "Pirjo", "Sanna", "Timo", "Ville", "Elina", "Matti", "Tuula", "Jari"}
	fiLast      = []string{"Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen", "Koskinen", "Järvinen", "Lehtonen", "Saarinen"}
	svFirst     = []string{"Anna", "Erik", "Karin", "Johan", "Maria", "Lars", "Ebba", "Henrik", "Sofia", "Mikael", "Ingrid", "Åsa"}
	svLast      = []string{"Lindqvist", "Johansson", "Nyström", "Holmberg", "Lindroos", "Sundström", "Forsman", "Öhman", "Ekholm", "Björkqvist"}
	streets     = []string{"Mannerheimintie", "Hämeentie", "Kauppakatu", "Rantatie", "Storgatan", "Strandvägen", "Kyrkogatan", "Koulukatu"}
	detailsFI   = []string{"Pyydän kaikki minusta tallennetut tiedot.", "Haluan tietää, mitä tietoja minusta on käsitelty.", "Osoitteeni on väärin rekisterissä.", "Poistakaa tietoni markkinointirekisteristä.", ""}
	detailsSV   = []string{"Jag begär alla uppgifter som finns om mig.", "Min adress är fel i registret.", "Radera mina uppgifter ur registret.", ""}
	detailsEN   = []string{"Please send me all data you hold about me.", "My address is wrong in your records.", ""}
	allowedByRt = map[string][]string{
		"access": {"extract", "no_data", "refused", "elsewhere"}, "portability": {"extract", "no_data", "refused", "elsewhere"},
		"rectification": {"rectified", "no_data", "refused", "elsewhere"}, "erasure": {"erased", "no_data", "refused", "elsewhere"},
		"restriction": {"restricted", "no_data", "refused", "elsewhere"}, "objection": {"stopped", "no_data", "refused", "elsewhere"},
		"withdraw_consent": {"stopped", "no_data", "elsewhere"},
	}
)

func (g *gen) batch(ctx context.Context, pool *pgxpool.Pool, n int, r *rand.Rand) (*batch, error) {
	ids, receipts, err := reserve(ctx, pool, n)
	if err != nil {
		return nil, err
	}
	b := &batch{byState: map[string]int{}}
	// About four events a case; their JSON shares one buffer (arena).
	chain := make([]store.AuditEvent, 0, 5*n)
	raws := make([][]byte, 0, 5*n)
	arena := make([]byte, 0, 64<<10)
	span := g.now.Sub(g.from)
	for i := range n {
		id := ids[i]
		// More recent years have more requests (as awareness grows): the
		// density rises linearly to twice the first day's (inverse CDF).
		f := math.Sqrt(1+3*r.Float64()) - 1
		received := g.from.Add(time.Duration(f * float64(span))).Truncate(time.Second)
		if received.After(g.now) {
			received = g.now
		}
		dl := g.cal.Compute(received)
		lang := pick(r, []string{"fi", "sv", "en"}, []int{80, 15, 5})
		channel := pick(r, channels, channelsW)
		rights := []string{pick(r, rightsMix, rightsW)}
		if r.IntN(100) < 12 {
			if x := pick(r, rightsMix, rightsW); x != rights[0] {
				rights = append(rights, x)
			}
		}
		docReq := r.IntN(100) < 8
		confirmed := received.Add(time.Duration(2+r.IntN(600)) * time.Minute)
		if confirmed.After(g.now) {
			confirmed = g.now
		}

		// The state follows the case's age, as in a municipality that
		// mostly answers in time: each case has an outcome and the day it
		// is reached, most near the end of the month the deadline gives,
		// about 7 % late, and 0.5 % never yet (the overdue tail). A case
		// whose day has not come is open, in the state its progress says.
		extended := r.IntN(100) < 4
		legalDue := date(dl.LegalDue)
		due := legalDue
		if extended {
			due = date(dl.ExtendedDue)
		}
		days := due.Sub(received).Hours() / 24
		end := received.Add(time.Duration(days * (0.3 + 0.65*math.Sqrt(r.Float64())) * float64(24*time.Hour)))
		if r.IntN(100) < 7 {
			end = due.Add(time.Duration(1+r.IntN(20)) * 24 * time.Hour)
		}
		end = end.Add(time.Duration(r.IntN(8*3600)) * time.Second)
		state := pick(r, doneStates, doneW)
		if state == "withdrawn" { // requesters withdraw early
			end = received.Add(end.Sub(received) / 3)
		}
		stuck := !g.history && r.IntN(1000) < 5
		if g.history && end.After(g.now) {
			end = g.now
		}
		if !g.history && (stuck || end.After(g.now)) {
			progress := float64(g.now.Sub(received)) / float64(max(end.Sub(received), time.Second))
			switch {
			case stuck:
				state = pick(r, openStates, openW)
			case r.IntN(100) < 6:
				state = "paused"
			case progress < 0.2: // the identity check can wait days for the requester
				state = pick(r, []string{"received", "awaiting_identity"}, []int{40, 60})
			case progress > 0.85:
				state = "answer_ready"
			default:
				state = "in_progress"
			}
		}
		if state == "closed" && end.Add(14*24*time.Hour).After(g.now) {
			state = "answered" // closed two weeks after the answer
		}
		open := state != "answered" && state != "closed" && state != "refused" && state != "withdrawn"
		if state == "received" || state == "awaiting_identity" {
			extended = false // an extension comes once the request is being handled
		}
		var confirmedAt, emailVerified, identityAt, answeredAt, closedAt, pausedAt, docDecidedAt, extDue, docDue, docExtDue any
		var identityMethod, pausedFrom, extReason, docDecision = "", "", []byte{}, ""
		needsTriage := false
		// A web request counts once its code came back; staff intake and
		// the API confirm at once; an email waits for triage (issue 6).
		switch {
		case channel == "web":
			confirmedAt, emailVerified = confirmed, confirmed
		case channel == "email" && state == "received":
			needsTriage = true
		default:
			confirmedAt = confirmed
		}
		if state != "received" && state != "awaiting_identity" {
			at := confirmed.Add(time.Duration(1+r.IntN(72)) * time.Hour)
			if !open && at.After(end) {
				at = confirmed
			}
			if at.After(g.now) {
				at = g.now
			}
			identityAt, identityMethod = at, methods[r.IntN(len(methods))]
		}
		if extended {
			extDue = date(dl.ExtendedDue)
		}
		var updated time.Time = confirmed
		if !open {
			updated = end
			if state == "answered" || state == "closed" {
				answeredAt = end
			}
			if state == "closed" {
				closedAt = end.Add(14 * 24 * time.Hour)
				updated = closedAt.(time.Time)
			}
		}
		if state == "paused" {
			p := confirmed.Add(48 * time.Hour)
			if p.After(g.now) {
				p = g.now
			}
			pausedAt, pausedFrom = p, "in_progress"
		}
		if docReq {
			docDue, docExtDue = date(dl.DocumentRequestDue), date(dl.DocumentRequestExtendedDue)
			if !open || r.IntN(2) == 0 {
				docDecidedAt, docDecision = updated, pick(r, []string{"disclosed", "partly_disclosed", "refused"}, []int{70, 20, 10})
			}
		}

		// The case's key and its sealed fields.
		raw, err := secret.NewDataKey()
		if err != nil {
			return nil, err
		}
		keyID, wrapped, err := g.keys.WrapDataKey(id, raw)
		if err != nil {
			return nil, err
		}
		ck, err := secret.NewCaseKey(id, raw)
		if err != nil {
			return nil, err
		}
		seal := func(column, v string) ([]byte, error) {
			if v == "" {
				return []byte{}, nil
			}
			return ck.Seal(column, []byte(v))
		}
		first, last := fiFirst, fiLast
		if lang == "sv" {
			first, last = svFirst, svLast
		}
		fn, ln := first[r.IntN(len(first))], last[r.IntN(len(last))]
		name := fn + " " + ln
		email := fmt.Sprintf("%s.%s.%d@demo.example", asciiLower(fn), asciiLower(ln), id)
		if channel == "paper" || channel == "counter" {
			if r.IntN(2) == 0 {
				email = ""
			}
		}
		phone, address := "", ""
		if r.IntN(2) == 0 {
			phone = fmt.Sprintf("+358 4%d %03d %04d", r.IntN(10), r.IntN(1000), r.IntN(10000))
		}
		if channel == "paper" || r.IntN(4) == 0 {
			address = fmt.Sprintf("%s %d, %05d", streets[r.IntN(len(streets))], 1+r.IntN(90), 100+r.IntN(99000))
		}
		var details string
		switch lang {
		case "fi":
			details = detailsFI[r.IntN(len(detailsFI))]
		case "sv":
			details = detailsSV[r.IntN(len(detailsSV))]
		default:
			details = detailsEN[r.IntN(len(detailsEN))]
		}
		onBehalf, relation, subject := false, "", ""
		if r.IntN(100) < 4 {
			onBehalf, relation = true, pick(r, []string{"guardian", "court_guardian", "power_of_attorney"}, []int{60, 20, 20})
			subject = first[r.IntN(len(first))] + " " + ln
		}
		if extended {
			if extReason, err = seal("cases.extension_reason", "Pyyntöjen suuri määrä (12 rekisteriä)."); err != nil {
				return nil, err
			}
		}
		var fe error
		sealed := func(column, v string) []byte {
			s, err := seal(column, v)
			if err != nil && fe == nil {
				fe = err
			}
			return s
		}
		detailsSealed := sealed("cases.details", details)
		nameS, emailS, phoneS := sealed("requesters.name", name), sealed("requesters.email", email), sealed("requesters.phone", phone)
		addrS, subjS := sealed("requesters.address", address), sealed("requesters.subject_name", subject)
		if fe != nil {
			return nil, fe
		}
		var emailIdx []byte // NULL without an email
		emailKey := ""
		if e := secret.NormalizeEmail(email); e != "" {
			emailKey, emailIdx = g.keys.IndexFor("email", e)
		}
		receipt := store.FormatReceipt(workflow.HelsinkiDate(received).Year, receipts[i])
		delivery := "electronic"
		if channel == "paper" || email == "" {
			delivery = "paper"
		}
		b.byState[state]++
		c := &b.cases // in caseColumns' order
		c.row(len(caseColumns))
		c.i8(id)
		c.i8(g.org.ID)
		c.text(receipt)
		c.boolean(true)
		c.boolean(docReq)
		c.textArray(rights)
		c.boolean(true)
		c.bytea(detailsSealed)
		c.text(delivery)
		c.text(lang)
		c.text(channel)
		c.text(state)
		c.boolean(needsTriage)
		c.ts(received)
		c.tsOrNull(confirmedAt)
		c.date(date(dl.RawEnd))
		c.date(legalDue)
		c.date(date(dl.SafeTarget))
		c.dateOrNull(extDue)
		c.bytea(extReason)
		c.dateOrNull(docDue)
		c.dateOrNull(docExtDue)
		c.tsOrNull(docDecidedAt)
		c.text(docDecision)
		c.tsOrNull(pausedAt)
		c.text(pausedFrom)
		c.tsOrNull(emailVerified)
		c.tsOrNull(identityAt)
		c.text(identityMethod)
		c.tsOrNull(answeredAt)
		c.tsOrNull(closedAt)
		c.ts(received)
		c.ts(updated)
		c.boolean(g.org.EvesNonWorking)

		k := &b.keys
		k.row(len(keyColumns))
		k.i8(id)
		k.text(keyID)
		k.bytea(wrapped)
		k.ts(received)

		rq := &b.requesters
		rq.row(len(requesterColumns))
		rq.i8(id)
		rq.i8(g.org.ID)
		rq.bytea(nameS)
		rq.bytea(emailS)
		rq.bytea(phoneS)
		rq.bytea(addrS)
		rq.boolean(onBehalf)
		rq.text(relation)
		rq.bytea(subjS)
		rq.byteaOrNull(emailIdx)
		rq.text(emailKey)

		// tasks.case_due (the DPO queue's order, kept by a trigger that
		// COPY with triggers off skips): coalesce(urgent_due,
		// extended_due, legal_due) as the database computes urgent_due.
		caseDue := legalDue
		if extended {
			caseDue = extDue.(time.Time)
		}
		if open && docReq && docDecidedAt == nil && docDue.(time.Time).Before(caseDue) {
			caseDue = docDue.(time.Time)
		}

		// Tasks: one per chosen register once identity is settled.
		ntasks := 0
		if identityAt != nil && len(g.regs) > 0 {
			ntasks = 1 + r.IntN(min(3, len(g.regs)))
			off := r.IntN(len(g.regs))
			for k := range ntasks {
				reg := g.regs[(off+k)%len(g.regs)]
				ts, answer, by := "open", "", ""
				var tAnswered any
				switch {
				case state == "refused" || state == "withdrawn":
					ts = "cancelled"
				case !open || state == "answer_ready" || (state == "in_progress" && r.IntN(3) == 0):
					ts = "answered"
					allowed := allowedByRt[rights[0]]
					answer = pick(r, allowed, []int{70, 20, 5, 5}[:len(allowed)])
					tAnswered, by = updated, reg.ownerEmail
					if by == "" {
						by = "dpo"
					}
				case state == "paused":
					ts = "waiting"
				}
				t := &b.tasks
				t.row(len(taskColumns))
				t.i8(g.org.ID)
				t.i8(id)
				t.i8(reg.id)
				t.text(rights[0])
				t.text(ts)
				t.text(reg.basis)
				t.textArray(allowedByRt[rights[0]])
				t.text(reg.ownerEmail)
				t.text(answer)
				t.tsOrNull(tAnswered)
				t.text(by)
				t.tsOrNull(identityAt)
				t.tsOrNull(identityAt)
				t.ts(updated)
				t.date(caseDue)
				t.boolean(open) // tasks.case_open, kept by a trigger COPY skips
			}
		}

		// The case's audit chain, its data written as canonical JSON
		// directly (eventjson.go): what verification reads back.
		at := received
		if channel == "web" {
			at = confirmed
		}
		ev := func(action string, at time.Time, data []byte) {
			chain = append(chain, store.AuditEvent{OrgID: g.org.ID, CaseID: id, Actor: Actor, Action: action, At: at})
			raws = append(raws, data)
		}
		ev("received", at, receivedJSON(&arena, channel, rights, lang, received, dl.LegalDue.String(), onBehalf, docReq))
		if identityAt != nil {
			ev("identity_verified", identityAt.(time.Time), stringJSON(&arena, "method", identityMethod))
			if ntasks > 0 {
				ev("tasks_created", identityAt.(time.Time), intJSON(&arena, "tasks", ntasks))
			}
		}
		if extended {
			ev("extended", minTime(identityAt.(time.Time).Add(24*time.Hour), g.now),
				stringJSON(&arena, "extended_due", date(dl.ExtendedDue).Format("2006-01-02")))
		}
		if !open {
			ev(state, updated, stringJSON(&arena, "state", state))
		}
	}
	if err := store.ChainNewEventsJSON(g.keys, chain, raws); err != nil {
		return nil, err
	}
	for i, ev := range chain {
		e := &b.events
		e.row(len(eventColumns))
		e.i8(ev.OrgID)
		e.i8(ev.CaseID)
		e.i4(ev.Seq)
		e.ts(ev.At)
		e.text(ev.Actor)
		e.text(ev.Action)
		e.jsonb(raws[i])
		e.bytea(ev.PrevHash)
		e.bytea(ev.Hash)
		e.text(ev.KeyID)
		if i == len(chain)-1 || chain[i+1].CaseID != ev.CaseID {
			h := &b.heads
			h.row(len(headColumns))
			h.i8(ev.OrgID)
			h.i8(ev.CaseID)
			h.i4(ev.Seq)
			h.bytea(ev.Hash)
		}
	}
	return b, nil
}

// reserve draws n case ids and n receipt numbers from the sequences a
// running server draws from, so both can write at once.
func reserve(ctx context.Context, pool *pgxpool.Pool, n int) ([]int64, []int64, error) {
	var ids, receipts []int64
	err := pool.QueryRow(ctx, `SELECT array_agg(nextval(pg_get_serial_sequence('cases', 'id'))),
			array_agg(nextval('case_receipt_seq')) FROM generate_series(1, $1)`, n).Scan(&ids, &receipts)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: reserving ids: %w", err)
	}
	return ids, receipts, nil
}

func date(d workflow.Date) time.Time { return d.In(time.UTC) }

var asciiFold = strings.NewReplacer("ä", "a", "ö", "o", "å", "a", "Ä", "a", "Ö", "o", "Å", "a")

func asciiLower(s string) string { return strings.ToLower(asciiFold.Replace(s)) }

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
