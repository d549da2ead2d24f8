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
	"cmp"
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
	// The registers routing reaches (D-10), as the product reads them.
	regs, err := store.New(pool).RoutingRegisters(ctx, org.ID, nil)
	if err != nil {
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
	if _, err := pool.Exec(ctx, `ANALYZE cases, requesters, tasks, case_registers, case_notes, case_keys, audit_events, audit_heads`); err != nil {
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
	regs      []store.RoutingRegister
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
	caseRegisters, notes                          copyBuf
	byState                                       map[string]int
}

var caseColumns = []string{"id", "org_id", "receipt", "gdpr", "document_request", "rights", "all_registers", "details",
	"delivery", "lang", "channel", "state", "needs_triage", "received_at", "confirmed_at", "raw_end", "legal_due", "safe_target",
	"extended_due", "extension_reason", "doc_due", "doc_extended_due", "doc_decided_at", "doc_decision",
	"paused_at", "paused_from_state", "pause_reason", "email_verified_at", "identity_verified_at", "identity_method",
	"refusal_ground", "refusal_reason", "answered_at", "closed_at", "created_at", "updated_at", "eves_non_working", "ended_at"}

var (
	keyColumns       = []string{"case_id", "key_id", "wrapped", "created_at"}
	requesterColumns = []string{"case_id", "org_id", "name", "email", "phone", "address", "on_behalf", "relation",
		"subject_name", "email_index", "email_index_key"}
	taskColumns = []string{"id", "org_id", "case_id", "register_id", "right", "state", "legal_basis", "allowed_answers",
		"owner_name", "owner_email", "answer", "answer_ground", "answer_comment", "answer_changes", "extract_text", "recipients_none",
		"answered_at", "answered_by", "opened_at", "created_at", "updated_at", "case_due", "case_open"}
	caseRegisterColumns = []string{"case_id", "register_id"}
	noteColumns         = []string{"id", "org_id", "case_id", "kind", "body", "created_at"}
	eventColumns        = []string{"org_id", "case_id", "seq", "at", "actor", "action", "data", "prev_hash", "hash", "key_id"}
	headColumns         = []string{"org_id", "case_id", "seq", "hash"}
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
			{"case_registers", caseRegisterColumns, &b.caseRegisters},
			{"case_notes", noteColumns, &b.notes},
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
	rightsMix  = []string{"access", "erasure", "rectification", "objection", "restriction", "portability", "withdraw_consent"}
	rightsW    = []int{60, 12, 10, 5, 4, 4, 5}
	channels   = []string{"web", "email", "api", "paper", "phone", "counter"}
	channelsW  = []int{55, 20, 10, 8, 4, 3}
	openStates = []string{"received", "awaiting_identity", "in_progress", "answer_ready", "paused"}
	openW      = []int{15, 15, 45, 15, 5}
	doneStates = []string{"answered", "closed", "refused", "withdrawn"}
	doneW      = []int{78, 12, 4, 6}
	fiFirst    = []string{"Aino", "Eino", "Helmi", "Juhani", "Kaarina", "Lauri", "Minna", "Olavi", "Pirjo", "Sanna", "Timo", "Ville", "Elina", "Matti", "Tuula", "Jari"}
	fiLast     = []string{"Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen", "Koskinen", "Järvinen", "Lehtonen", "Saarinen"}
	svFirst    = []string{"Anna", "Erik", "Karin", "Johan", "Maria", "Lars", "Ebba", "Henrik", "Sofia", "Mikael", "Ingrid", "Åsa"}
	svLast     = []string{"Lindqvist", "Johansson", "Nyström", "Holmberg", "Lindroos", "Sundström", "Forsman", "Öhman", "Ekholm", "Björkqvist"}
	streets    = []string{"Mannerheimintie", "Hämeentie", "Kauppakatu", "Rantatie", "Storgatan", "Strandvägen", "Kyrkogatan", "Koulukatu"}
	detailsFI  = []string{"Pyydän kaikki minusta tallennetut tiedot.", "Haluan tietää, mitä tietoja minusta on käsitelty.", "Osoitteeni on väärin rekisterissä.", "Poistakaa tietoni markkinointirekisteristä.", ""}
	detailsSV  = []string{"Jag begär alla uppgifter som finns om mig.", "Min adress är fel i registret.", "Radera mina uppgifter ur registret.", ""}
	detailsEN  = []string{"Please send me all data you hold about me.", "My address is wrong in your records.", ""}
)

func (g *gen) batch(ctx context.Context, pool *pgxpool.Pool, n int, r *rand.Rand) (*batch, error) {
	ids, receipts, err := reserve(ctx, pool, n)
	if err != nil {
		return nil, err
	}
	// Task and note ids are drawn as they are needed: the events name them.
	taskIDs := &idPool{pool: pool, seq: "tasks", chunk: 2 * n}
	noteIDs := &idPool{pool: pool, seq: "case_notes", chunk: max(n/8, 16)}
	b := &batch{byState: map[string]int{}}
	// About ten events a case; their JSON shares one buffer (arena).
	chain := make([]store.AuditEvent, 0, 10*n)
	raws := make([][]byte, 0, 10*n)
	arena := make([]byte, 0, 64<<10)
	var evs []caseEvent
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
		if state == "received" {
			// Only an emailed request waits in "received", for triage: a web
			// request is routed when its code comes back, one entered by
			// staff or the API at once. What it asks is known at triage.
			channel, docReq = "email", false
		}
		// Identity is established once the request is being handled; a
		// refused request often because it never was, and some are
		// withdrawn before it is.
		identity := state != "received" && state != "awaiting_identity"
		if (state == "refused" && r.IntN(2) == 0) || (state == "withdrawn" && r.IntN(3) == 0) {
			identity = false
		}
		if !identity {
			extended = false // an extension comes once the request is being handled
		}
		var confirmedAt, emailVerified, identityAt, answeredAt, closedAt, endedAt, pausedAt, docDecidedAt, extDue, docDue, docExtDue any
		var identityMethod, pausedFrom, docDecision, refusalGround = "", "", "", ""
		extReason, pauseReason, refusalReason := []byte{}, []byte{}, []byte{}
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
		limit := g.now // the last moment this case's events may have
		if !open {
			limit = end
		}
		var idAt time.Time
		if identity {
			idAt = confirmed.Add(time.Duration(1+r.IntN(72)) * time.Hour)
			if idAt.After(limit) {
				idAt = confirmed
			}
			identityAt, identityMethod = idAt, workflow.IdentityMethods[r.IntN(len(workflow.IdentityMethods))]
		}
		if extended {
			extDue = date(dl.ExtendedDue)
		}
		if !open && (state == "answered" || state == "closed") {
			answeredAt = end
			if state == "closed" {
				closedAt = end.Add(14 * 24 * time.Hour)
			}
		}
		if state == "refused" || state == "withdrawn" {
			endedAt = end // its event's time (workflow's transition sets it)
		}
		var docAt time.Time
		if docReq {
			docDue, docExtDue = date(dl.DocumentRequestDue), date(dl.DocumentRequestExtendedDue)
			// Decided within its two weeks, mostly; an open case's only if
			// that day has come (some still run on FI-2's clock).
			docAt = confirmed.Add(time.Duration(1+r.IntN(12))*24*time.Hour + time.Duration(r.IntN(8*3600))*time.Second)
			if !open && docAt.After(end) {
				docAt = end
			}
			if !open || (r.IntN(2) == 0 && !docAt.After(g.now)) {
				docDecidedAt, docDecision = docAt, pick(r, []string{"disclosed", "partly_disclosed", "refused"}, []int{70, 20, 10})
			}
		}

		// The case's key and its sealed fields.
		tx := textsByLang[lang]
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
		var fe error
		sealed := func(column, v string) []byte {
			if v == "" {
				return []byte{}
			}
			s, err := ck.Seal(column, []byte(v))
			if err != nil && fe == nil {
				fe = err
			}
			return s
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
		if r.IntN(100) < 4 && state != "received" {
			onBehalf, relation = true, pick(r, []string{"guardian", "court_guardian", "power_of_attorney"}, []int{60, 20, 20})
			subject = first[r.IntN(len(first))] + " " + ln
		}
		detailsSealed := sealed("cases.details", details)
		nameS, emailS, phoneS := sealed("requesters.name", name), sealed("requesters.email", email), sealed("requesters.phone", phone)
		addrS, subjS := sealed("requesters.address", address), sealed("requesters.subject_name", subject)
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

		// The case's audit chain as the product writes it (D-25: ids,
		// codes, states and dates; free text in case_notes), each event
		// at its moment; the data as canonical JSON (eventjson.go).
		evs = evs[:0]
		ev := func(at time.Time, action string, fields ...field) {
			evs = append(evs, caseEvent{at: at, action: action, data: objJSON(&arena, fields...)})
		}
		var notes []caseNote
		note := func(kind, text string, at time.Time) (int64, error) {
			nid, err := noteIDs.next(ctx)
			if err != nil {
				return 0, err
			}
			notes = append(notes, caseNote{id: nid, kind: kind, body: sealed("case_notes.body", text), at: at})
			return nid, nil
		}

		// What the request names (IN-1): a few registers, not "all".
		var chosen []store.RoutingRegister
		if state != "received" && len(g.regs) > 0 {
			k, off := 1+r.IntN(min(3, len(g.regs))), r.IntN(len(g.regs))
			for j := range k {
				chosen = append(chosen, g.regs[(off+j)%len(g.regs)])
			}
			slices.SortFunc(chosen, func(a, b store.RoutingRegister) int { return cmp.Compare(a.ID, b.ID) })
		}
		receivedRights, allRegisters, registers := rights, false, len(chosen)
		if channel == "email" {
			// An emailed request is stored as it came: what it asks for is
			// read at triage.
			receivedRights, allRegisters, registers = nil, true, 0
		}
		if state == "received" {
			rights = nil // read at triage
		}
		ev(received, "received", flag("all_registers", allRegisters), str("channel", channel),
			flag("document_request", docReq && channel != "email"), str("lang", lang), str("legal_due", dl.LegalDue.String()),
			flag("on_behalf", onBehalf && channel != "email"), when("received_at", received), num("registers", registers),
			list("rights", receivedRights))
		if channel == "web" {
			ev(confirmed, "confirmed", num("codes_sent", 1), str("duplicate_of", ""), flag("email_verified", true))
		}

		// Routing (D-9, D-10, RB-1): a task per chosen register and right,
		// "waiting" until identity is established; a register whose
		// controller is elsewhere answers itself (D-7).
		var taskSent, taskAnswered []caseEvent
		var cancelled, pending int // tasks cancelled by a refusal or withdrawal; tasks still open
		lastAnswer := idAt
		created, elsewhere, notConsent := 0, 0, 0
		for _, reg := range chosen {
			for _, right := range rights {
				basis := workflow.Basis(reg.LegalBasis)
				if !workflow.RoutesTo(workflow.Right(right), basis) {
					notConsent++
					continue
				}
				rule := workflow.RuleFor(workflow.Right(right), basis)
				tid, err := taskIDs.next(ctx)
				if err != nil {
					return nil, err
				}
				created++
				t := demoTask{id: tid, reg: reg, right: right, allowed: answersOf(rule), state: "waiting", created: confirmed, updated: confirmed}
				switch {
				case reg.ControllerElsewhere:
					elsewhere++
					t.state, t.answer, t.by, t.answeredAt, t.updated = "answered", string(workflow.AnswerElsewhere), string(workflow.ActorSystem), confirmed, confirmed
					t.comment = sealed("tasks.answer_comment", reg.ElsewhereName+"\n"+reg.ElsewhereContact)
				case !identity:
					if !open {
						t.state, t.updated = "cancelled", end
						cancelled++
					}
				default:
					t.openedAt = idAt
					if reg.OwnerEmail != "" {
						taskSent = append(taskSent, caseEvent{at: idAt, action: "task_sent", data: objJSON(&arena,
							str("register", reg.Name), str("right", right), num("task", tid))})
					}
					answered := true
					switch state {
					case "in_progress", "paused", "refused", "withdrawn":
						answered = r.IntN(3) == 0
					}
					if !answered {
						t.state, t.updated = "open", idAt
						if !open {
							t.state, t.updated = "cancelled", end
							cancelled++
						} else {
							pending++
						}
						break
					}
					t.answeredAt = idAt.Add(time.Duration(r.Float64() * float64(limit.Sub(idAt))))
					t.state, t.by, t.updated = "answered", Actor, t.answeredAt
					answerTask(r, &t, rule, tx, sealed)
					lastAnswer = maxTime(lastAnswer, t.answeredAt)
					taskAnswered = append(taskAnswered, caseEvent{at: t.answeredAt, action: "task_answered", data: objJSON(&arena,
						str("answer", t.answer), flag("art19_none", t.art19None), num("art19_recipients", 0), num("files", 0),
						str("ground", t.ground), flag("guardian_restricted", false), str("register", reg.Name), str("right", right),
						num("task", tid))})
				}
				b.addTask(g.org.ID, id, t, caseDue, open)
			}
		}
		if (state == "in_progress" || state == "paused") && pending == 0 {
			// Every task answered (or none to answer): the case's answer
			// is ready, as the product moves it.
			if state == "in_progress" {
				state = "answer_ready"
			} else {
				pausedFrom = "answer_ready"
			}
		}
		for _, reg := range chosen {
			b.caseRegisters.row(2)
			b.caseRegisters.i8(id)
			b.caseRegisters.i8(reg.ID)
		}
		routed := []field{num("controller_elsewhere", elsewhere), num("tasks", created)}
		if notConsent > 0 {
			routed = append(routed, num("consent_not_basis", notConsent))
		}
		if channel == "email" && state != "received" {
			ev(confirmed, "routed", routed...)
			ev(confirmed, string(workflow.ActTriage), flag("all_registers", false), str("from", "received"), str("lang", lang),
				num("registers", len(chosen)), list("rights", rights), str("to", "awaiting_identity"))
		} else if state != "received" {
			ev(confirmed, "routed", routed...)
		}
		// Identity established and nothing left open: the answer was (or
		// is) ready before the case ended.
		ready := identity && pending == 0 && cancelled == 0
		if identity {
			evs = append(evs, taskSent...)
			to := "in_progress"
			if created == elsewhere { // nothing left to answer: ready at once
				to = "answer_ready"
				ev(idAt, "answer_ready")
			}
			ev(idAt, string(workflow.ActVerifyIdentity), str("from", "awaiting_identity"), str("method", identityMethod), str("to", to))
			if extended {
				at := minTime(idAt.Add(24*time.Hour), limit)
				nid, err := note("reason", tx.extension, at)
				if err != nil {
					return nil, err
				}
				extReason = sealed("cases.extension_reason", tx.extension)
				ev(at, string(workflow.ActExtend), str("extended_due", dl.ExtendedDue.String()), num("reason_ref", nid))
			}
			evs = append(evs, taskAnswered...)
			if ready && created > elsewhere {
				ev(lastAnswer, "answer_ready")
			}
		}
		if state == "paused" {
			p := minTime(maxTime(idAt, lastAnswer).Add(24*time.Hour), g.now)
			pausedAt = p
			if pausedFrom == "" {
				pausedFrom = "in_progress"
			}
			nid, err := note("reason", tx.pause, p)
			if err != nil {
				return nil, err
			}
			pauseReason = sealed("cases.pause_reason", tx.pause)
			ev(p, string(workflow.ActPause), str("from", pausedFrom), num("reason_ref", nid), str("to", "paused"))
		}
		if docDecidedAt != nil {
			fields := []field{str("decision", docDecision), str("doc_due", dl.DocumentRequestDue.String()), flag("letter_queued", false),
				flag("on_time", !workflow.HelsinkiDate(docAt).After(dl.DocumentRequestDue)), flag("requester_mailed", email != "")}
			if docDecision != "disclosed" { // a decision not to give documents is reasoned
				nid, err := note("note", tx.docNote, docAt)
				if err != nil {
					return nil, err
				}
				fields = append(fields, num("note_ref", nid))
			}
			ev(docAt, string(workflow.ActDocDecide), fields...)
		}
		// The state before the case ended, for its event's from/to.
		before := "awaiting_identity"
		if identity {
			before = "in_progress"
			if ready {
				before = "answer_ready"
			}
		}
		switch state {
		case "answered", "closed":
			ev(end, string(workflow.ActMarkAnswered), str("from", "answer_ready"),
				flag("on_time", !workflow.HelsinkiDate(end).After(workflow.DateOf(caseDueGDPR(legalDue, extDue)))), str("to", "answered"))
			if state == "closed" {
				ev(closedAt.(time.Time), string(workflow.ActClose), str("from", "answered"), str("to", "closed"))
			}
		case "refused":
			refusalGround = "identity_not_established"
			if identity {
				refusalGround = pick(r, []string{"art12_5_unfounded", "art12_5_excessive"}, []int{60, 40})
			}
			nid, err := note("reason", tx.refusal, end)
			if err != nil {
				return nil, err
			}
			refusalReason = sealed("cases.refusal_reason", tx.refusal)
			ev(end, string(workflow.ActRefuse), str("from", before), str("ground", refusalGround), num("reason_ref", nid), str("to", "refused"))
		case "withdrawn":
			ev(end, string(workflow.ActWithdraw), str("from", before), str("to", "withdrawn"))
		}
		if fe != nil {
			return nil, fe
		}
		// The chain in time order; events of one moment in the order the
		// product writes them.
		slices.SortStableFunc(evs, func(a, b caseEvent) int { return a.at.Compare(b.at) })
		updated := received
		for _, e := range evs {
			chain = append(chain, store.AuditEvent{OrgID: g.org.ID, CaseID: id, Actor: Actor, Action: e.action, At: e.at})
			raws = append(raws, e.data)
			updated = maxTime(updated, e.at)
		}
		for _, nt := range notes {
			cn := &b.notes
			cn.row(len(noteColumns))
			cn.i8(nt.id)
			cn.i8(g.org.ID)
			cn.i8(id)
			cn.text(nt.kind)
			cn.bytea(nt.body)
			cn.ts(nt.at)
		}

		b.byState[state]++
		c := &b.cases // in caseColumns' order
		c.row(len(caseColumns))
		c.i8(id)
		c.i8(g.org.ID)
		c.text(receipt)
		c.boolean(state != "received" || len(rights) > 0)
		c.boolean(docReq)
		c.textArray(rights)
		c.boolean(state == "received")
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
		c.bytea(pauseReason)
		c.tsOrNull(emailVerified)
		c.tsOrNull(identityAt)
		c.text(identityMethod)
		c.text(refusalGround)
		c.bytea(refusalReason)
		c.tsOrNull(answeredAt)
		c.tsOrNull(closedAt)
		c.ts(received)
		c.ts(updated)
		c.boolean(g.org.EvesNonWorking)
		c.tsOrNull(endedAt)

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

// demoTexts are the demo's free texts (D-25: in case_notes and sealed
// columns, never in events), in the request's language as staff would
// write them.
type demoTexts struct {
	extension, pause, refusal, docNote, extract, changes, refusalComment string
}

var textsByLang = map[string]demoTexts{
	"fi": {
		extension:      "Pyyntö koskee useita rekistereitä, ja tietojen kokoaminen vie aikaa.",
		pause:          "Odotetaan pyytäjän tarkennusta siihen, mitä tietoja pyyntö koskee.",
		refusal:        "Pyyntöön ei voida vastata annettujen tietojen perusteella.",
		docNote:        "Osa asiakirjoista sisältää toisen henkilön salassa pidettäviä tietoja.",
		extract:        "Tieto\tArvo\nAsiakkuus alkanut\t2019\nViimeisin asiointi\t2024\n",
		changes:        "Osoitetieto korjattu pyytäjän ilmoituksen mukaiseksi.",
		refusalComment: "Tiedot on säilytettävä lain nojalla.",
	},
	"sv": {
		extension:      "Begäran gäller flera register och det tar tid att sammanställa uppgifterna.",
		pause:          "Vi väntar på att begäraren preciserar vilka uppgifter begäran gäller.",
		refusal:        "Begäran kan inte besvaras utifrån de uppgifter som lämnats.",
		docNote:        "En del av handlingarna innehåller sekretessbelagda uppgifter om en annan person.",
		extract:        "Uppgift\tVärde\nKundrelation inledd\t2019\nSenaste ärende\t2024\n",
		changes:        "Adressen har rättats enligt begärarens uppgift.",
		refusalComment: "Uppgifterna ska enligt lag bevaras.",
	},
	"en": {
		extension:      "The request covers several registers, and collecting the data takes time.",
		pause:          "Waiting for the requester to say which data the request concerns.",
		refusal:        "The request cannot be answered on the information given.",
		docNote:        "Some of the documents hold another person's confidential data.",
		extract:        "Item\tValue\nCustomer since\t2019\nLast contact\t2024\n",
		changes:        "The address was corrected as the requester said.",
		refusalComment: "The law requires the data to be kept.",
	},
}

// caseEvent is one event of a case's chain before it is linked.
type caseEvent struct {
	at     time.Time
	action string
	data   []byte
}

// caseNote is a free text an event refers to (its "…_ref").
type caseNote struct {
	id   int64
	kind string
	body []byte
	at   time.Time
}

// demoTask is one task as routing made it and its owner answered it.
type demoTask struct {
	id                            int64
	reg                           store.RoutingRegister
	right, state, answer, by      string
	ground                        string
	allowed                       []string
	comment, changes, extract     []byte
	art19None                     bool
	created, answeredAt, openedAt time.Time
	updated                       time.Time
}

// answer gives t an answer RB-1 allows on its register (rule), with what
// the product requires beside it: an extract's data, a rectification's
// changes, a refusal's ground and reasons, the Art 19 statement of a
// change (nobody to tell).
func answerTask(r *rand.Rand, t *demoTask, rule workflow.Rule, tx demoTexts, sealed func(column, v string) []byte) {
	var grounds []workflow.Ground
	for _, gr := range rule.Grounds {
		if gr != workflow.GroundGuardian { // ID-5: only with a guardian's restriction
			grounds = append(grounds, gr)
		}
	}
	var answers []workflow.Answer
	var weights []int
	for _, a := range rule.Answers {
		switch {
		case a == workflow.AnswerNoData:
			answers, weights = append(answers, a), append(weights, 20)
		case a == workflow.AnswerRefused:
			if len(grounds) > 0 {
				answers, weights = append(answers, a), append(weights, 10)
			}
		default:
			answers, weights = append(answers, a), append(weights, 70)
		}
	}
	a := pick(r, answers, weights)
	t.answer = string(a)
	switch a {
	case workflow.AnswerExtract:
		t.extract = sealed("tasks.extract_text", tx.extract)
	case workflow.AnswerRectified:
		t.changes = sealed("tasks.answer_changes", tx.changes)
	case workflow.AnswerRefused:
		t.ground = string(grounds[r.IntN(len(grounds))])
		t.comment = sealed("tasks.answer_comment", tx.refusalComment)
	}
	t.art19None = workflow.Art19Answer(a)
}

// answersOf are the answers a rule allows, as tasks.allowed_answers holds
// them.
func answersOf(rule workflow.Rule) []string {
	out := make([]string, len(rule.Answers))
	for i, a := range rule.Answers {
		out[i] = string(a)
	}
	return out
}

// caseDueGDPR is the effective due date (D-13) an answer is on time by.
func caseDueGDPR(legalDue time.Time, extDue any) time.Time {
	if extDue != nil {
		return extDue.(time.Time)
	}
	return legalDue
}

// addTask writes t in taskColumns' order.
func (b *batch) addTask(orgID, caseID int64, t demoTask, caseDue time.Time, open bool) {
	tk := &b.tasks
	tk.row(len(taskColumns))
	tk.i8(t.id)
	tk.i8(orgID)
	tk.i8(caseID)
	tk.i8(t.reg.ID)
	tk.text(t.right)
	tk.text(t.state)
	tk.text(t.reg.LegalBasis)
	tk.textArray(t.allowed)
	tk.text(t.reg.OwnerName)
	tk.text(t.reg.OwnerEmail)
	tk.text(t.answer)
	tk.text(t.ground)
	tk.bytea(nonNil(t.comment))
	tk.bytea(nonNil(t.changes))
	tk.bytea(nonNil(t.extract))
	tk.boolean(t.art19None)
	tk.tsOrNull(timeOrNil(t.answeredAt))
	tk.text(t.by)
	tk.tsOrNull(timeOrNil(t.openedAt))
	tk.ts(t.created)
	tk.ts(t.updated)
	tk.date(caseDue)
	tk.boolean(open) // tasks.case_open, kept by a trigger COPY skips
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// idPool hands out ids drawn from a table's id sequence a chunk at a
// time, beside a running server that draws from it too.
type idPool struct {
	pool  *pgxpool.Pool
	seq   string // the table whose id sequence it is
	chunk int
	ids   []int64
}

func (p *idPool) next(ctx context.Context) (int64, error) {
	if len(p.ids) == 0 {
		err := p.pool.QueryRow(ctx, `SELECT array_agg(nextval(pg_get_serial_sequence($1, 'id'))) FROM generate_series(1, $2)`,
			p.seq, p.chunk).Scan(&p.ids)
		if err != nil {
			return 0, fmt.Errorf("demo: reserving %s ids: %w", p.seq, err)
		}
	}
	id := p.ids[0]
	p.ids = p.ids[1:]
	return id, nil
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

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
