package workflow

import (
	"bytes"
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/store"
)

// The audit trail holds against the database's own superuser (issue 16):
// links are keyed (D-26), and a periodic checkpoint records every chain's
// head, signed, after verifying what moved since the last one. Deleting
// the newest events, rewriting a chain with recomputed hashes, deleting an
// organisation's events or truncating the table is then found by
// VerifyAudit: against the keys, and against the checkpoints.

// checkpointBatch bounds the chains one checkpoint transaction verifies
// and records, so it holds the head rows (and delays appends to those
// chains) only briefly; a run writes as many checkpoints as it needs.
const checkpointBatch = 1000

// CheckpointResult says what one checkpoint run did.
type CheckpointResult struct {
	ID     int64  // 0: nothing moved, no checkpoint written
	Digest []byte // the checkpoint's digest (the DPO's daily digest quotes it)
	Chains int    // chains recorded
	Broken []ChainReport
}

// ChainReport names a chain and how it broke.
type ChainReport struct {
	OrgID, CaseID int64
	Break         store.ChainBreak
}

// Checkpoint verifies the chains that moved since the last checkpoint and
// records the intact ones' heads in a new signed checkpoint. A broken
// chain is recorded as broken (the case page shows it) and never anchored.
func (s *Service) Checkpoint(ctx context.Context) (CheckpointResult, error) {
	return s.CheckpointProgress(ctx, nil)
}

// CheckpointProgress is Checkpoint that writes a progress line to
// progress (when not nil) about once a second, rewritten with \r: the
// first checkpoint after a bulk load (the 1M demo) takes a minute or more.
func (s *Service) CheckpointProgress(ctx context.Context, progress io.Writer) (CheckpointResult, error) {
	var total CheckpointResult
	line := newProgressLine(progress)
	show := func() {
		line.show("audit: %d chains checkpointed, %d broken, %.0f chains/s", total.Chains, len(total.Broken), line.rate(total.Chains+len(total.Broken)))
	}
	defer func() {
		if time.Since(line.started) >= time.Second { // a short run leaves no line
			show()
			line.end()
		}
	}()
	for {
		if line.due() {
			show()
		}
		res, n, err := s.checkpointOnce(ctx)
		if err != nil {
			return total, err
		}
		if res.ID != 0 {
			total.ID, total.Digest = res.ID, res.Digest
		}
		total.Chains += res.Chains
		total.Broken = append(total.Broken, res.Broken...)
		if n < checkpointBatch {
			return total, nil
		}
	}
}

// checkpointOnce checkpoints up to checkpointBatch moved chains in one
// transaction; n is how many it looked at.
func (s *Service) checkpointOnce(ctx context.Context) (res CheckpointResult, n int, err error) {
	err = s.tx(ctx, func(tx pgx.Tx, q *store.Q) error {
		if err := q.LockCheckpoints(ctx); err != nil {
			return err
		}
		heads, err := q.UnanchoredHeads(ctx, checkpointBatch)
		if err != nil || len(heads) == 0 {
			return err
		}
		n = len(heads)
		prevDigest := store.ZeroHash
		switch latest, err := q.LatestCheckpoint(ctx); {
		case err == nil:
			prevDigest = latest.Digest
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		// The very first checkpoint anchors the plain-hash links written
		// before keyed hashes; after it, an unkeyed link is never new.
		bootstrap := bytes.Equal(prevDigest, store.ZeroHash)
		now := s.Now()
		// The batch's anchors, events and results each take one statement,
		// not one per chain (issue 21: three round trips a chain kept a
		// core busy for minutes after the 1M demo's load).
		chains := make([]store.Chain, len(heads))
		for i, h := range heads {
			chains[i] = store.Chain{OrgID: h.OrgID, CaseID: h.CaseID}
		}
		anchors, err := q.LatestAnchors(ctx, chains)
		if err != nil {
			return err
		}
		from := make([]int, len(heads))
		for i, c := range chains {
			from[i] = max(anchors[c].Seq, 1) // the anchored event itself is re-read and compared
		}
		trails, err := q.AuditTrailsFrom(ctx, chains, from)
		if err != nil {
			return err
		}
		var anchored []store.CheckpointHead
		var results []store.Verification
		for i, h := range heads {
			anchor, events := anchors[chains[i]], trails[chains[i]]
			prev := store.ZeroHash
			if anchor.Seq > 0 {
				prev = nil
				if len(events) > 0 {
					prev = events[0].PrevHash
				}
			}
			// Only the events up to the head read above: later appends wait
			// for the next checkpoint.
			for len(events) > 0 && events[len(events)-1].Seq > h.Seq {
				events = events[:len(events)-1]
			}
			legacy := anchor.Seq
			if bootstrap {
				legacy = math.MaxInt
			}
			brk := store.VerifyAuditLinks(s.Keys, prev, from[i], events, anchor, legacy)
			if brk == nil && (len(events) == 0 || events[len(events)-1].Seq != h.Seq) {
				brk = &store.ChainBreak{Seq: h.Seq, Reason: "the newest events are missing (deleted)"}
			}
			if brk != nil {
				res.Broken = append(res.Broken, ChainReport{h.OrgID, h.CaseID, *brk})
				s.Logger.Error("audit chain broken", "org", h.OrgID, "case", h.CaseID, "seq", brk.Seq, "reason", brk.Reason)
				results = append(results, store.Verification{OrgID: h.OrgID, CaseID: h.CaseID, Break: brk})
				continue
			}
			last := events[len(events)-1]
			anchored = append(anchored, store.CheckpointHead{OrgID: h.OrgID, CaseID: h.CaseID, Seq: last.Seq, Hash: last.Hash})
			results = append(results, store.Verification{OrgID: h.OrgID, CaseID: h.CaseID, VerifiedSeq: last.Seq, Anchored: last.Seq})
		}
		if err := q.RecordVerifications(ctx, now, results); err != nil {
			return err
		}
		if len(anchored) == 0 {
			return nil
		}
		id, err := q.NextCheckpointID(ctx)
		if err != nil {
			return err
		}
		cp := store.Checkpoint{ID: id, At: now.Truncate(time.Microsecond), PrevDigest: prevDigest, Chains: len(anchored),
			Digest: store.CheckpointDigest(prevDigest, anchored)}
		cp.KeyID, cp.Signature = s.Keys.SignCheckpoint(store.CheckpointMessage(cp))
		if err := q.InsertCheckpoint(ctx, cp, anchored); err != nil {
			return err
		}
		res.ID, res.Digest, res.Chains = cp.ID, cp.Digest, len(anchored)
		return nil
	})
	return res, n, err
}

// VerifyReport is the result of a full verification.
type VerifyReport struct {
	Checkpoints int
	Chains      int
	Events      int
	// First is the first broken link found (nil: everything verified);
	// Broken lists every broken chain.
	First  *ChainReport
	Broken []ChainReport
	// CheckpointBroken names the first checkpoint whose signature or link
	// fails (0: all good).
	CheckpointBroken int64
	CheckpointReason string
	LatestDigest     []byte
	// Digests maps each checkpoint's digest (hex) to its id, to confirm a
	// digest quoted in a mail (audit verify --digest).
	Digests map[string]int64
}

// OK reports whether nothing was found broken.
func (r VerifyReport) OK() bool { return r.First == nil && r.CheckpointBroken == 0 }

// VerifyAudit walks every chain (orgID 0: of every organisation) from its
// first event, checking each keyed link and each chain against the
// latest checkpoint that recorded it; the checkpoints themselves are
// checked against their signatures and their own chain. Each chain's
// result is stored for the case page.
func (s *Service) VerifyAudit(ctx context.Context, orgID int64) (VerifyReport, error) {
	return s.VerifyAuditProgress(ctx, orgID, nil)
}

// VerifyAuditProgress is VerifyAudit that writes a progress line to
// progress (when not nil) about once a second, rewritten with \r:
// verifying a million chains takes minutes (docs/scale.md 23).
func (s *Service) VerifyAuditProgress(ctx context.Context, orgID int64, progress io.Writer) (VerifyReport, error) {
	r := VerifyReport{Digests: map[string]int64{}}
	q := store.New(s.Pool)
	anchors := map[store.Chain]store.Anchor{}
	prev := store.ZeroHash
	err := q.Checkpoints(ctx, func(c store.Checkpoint, heads []store.CheckpointHead) error {
		r.Checkpoints++
		if r.CheckpointBroken == 0 {
			reason := ""
			ok, err := s.Keys.VerifyCheckpoint(c.KeyID, store.CheckpointMessage(c), c.Signature)
			switch {
			case err != nil:
				reason = fmt.Sprintf("key %q is not in the keyring (OLD_SECRET_KEYS)", c.KeyID)
			case !ok:
				reason = "signature does not match (forged or altered)"
			case !bytes.Equal(c.PrevDigest, prev):
				reason = "does not follow the checkpoint before it (a checkpoint was removed)"
			case !bytes.Equal(store.CheckpointDigest(c.PrevDigest, heads), c.Digest) || len(heads) != c.Chains:
				reason = "its recorded heads do not match its digest (altered)"
			}
			if reason != "" {
				r.CheckpointBroken, r.CheckpointReason = c.ID, reason
			}
		}
		prev, r.LatestDigest = c.Digest, c.Digest
		r.Digests[hex.EncodeToString(c.Digest)] = c.ID
		for _, h := range heads {
			anchors[store.Chain{OrgID: h.OrgID, CaseID: h.CaseID}] = store.Anchor{CheckpointID: c.ID, Seq: h.Seq, Hash: h.Hash}
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	// Every chain's events in one stream (store.EachAuditChain), the
	// results recorded a batch at a time: with two round trips per chain
	// the 1M demo's chains took 8-9 minutes, now under one (docs/scale.md 23).
	now := s.Now()
	var total int
	if progress != nil {
		if total, err = q.AuditHeadCount(ctx, orgID); err != nil {
			return r, err
		}
	}
	line := newProgressLine(progress)
	showProgress := func() {
		line.show("audit: %d/%d chains verified (%d%%), %d events, %.0f chains/s",
			r.Chains, total, r.Chains*100/max(total, 1), r.Events, line.rate(r.Chains))
	}
	var batch []store.Verification
	record := func(flushAll bool) error {
		if len(batch) >= verifyBatch || (flushAll && len(batch) > 0) {
			if err := q.RecordVerifications(ctx, now, batch); err != nil {
				return err
			}
			batch = batch[:0]
			if line.due() {
				showProgress()
			}
		}
		return nil
	}
	check := func(org, caseID int64, events []store.AuditEvent) error {
		r.Chains++
		r.Events += len(events)
		k := store.Chain{OrgID: org, CaseID: caseID}
		anchor := anchors[k]
		delete(anchors, k)
		brk := store.VerifyAuditLinks(s.Keys, store.ZeroHash, 1, events, anchor, anchor.Seq)
		if brk != nil {
			r.Broken = append(r.Broken, ChainReport{org, caseID, *brk})
		}
		batch = append(batch, store.Verification{OrgID: org, CaseID: caseID, VerifiedSeq: len(events), Break: brk})
		return record(false)
	}
	if err := q.EachAuditChain(ctx, orgID, check); err != nil {
		return r, err
	}
	// A chain a checkpoint recorded but with no events left: truncated.
	var gone []store.Chain
	for k := range anchors {
		if orgID == 0 || k.OrgID == orgID {
			gone = append(gone, k)
		}
	}
	sortChains(gone)
	for _, c := range gone {
		if err := check(c.OrgID, c.CaseID, nil); err != nil {
			return r, err
		}
	}
	if err := record(true); err != nil {
		return r, err
	}
	if progress != nil {
		showProgress()
		line.end()
	}
	slices.SortFunc(r.Broken, func(a, b ChainReport) int {
		return cmpChain(a.OrgID, a.CaseID, b.OrgID, b.CaseID)
	})
	if len(r.Broken) > 0 {
		r.First = &r.Broken[0]
	}
	return r, nil
}

// progressLine is a progress line on a terminal, rewritten with \r
// about once a second; with no writer it shows nothing.
type progressLine struct {
	w              io.Writer
	started, shown time.Time
}

func newProgressLine(w io.Writer) *progressLine {
	now := time.Now()
	return &progressLine{w: w, started: now, shown: now}
}

// due: a second has passed since the line was last shown.
func (p *progressLine) due() bool { return p.w != nil && time.Since(p.shown) >= time.Second }

func (p *progressLine) show(format string, args ...any) {
	if p.w == nil {
		return
	}
	p.shown = time.Now()
	fmt.Fprintf(p.w, "\r"+format+"   ", args...)
}

// rate is n per second since the start.
func (p *progressLine) rate(n int) float64 {
	return float64(n) / max(time.Since(p.started).Seconds(), 0.001)
}

func (p *progressLine) end() {
	if p.w != nil {
		fmt.Fprintln(p.w)
	}
}

// verifyBatch is how many chains' results VerifyAudit records a statement.
const verifyBatch = 1000

func cmpChain(aOrg, aCase, bOrg, bCase int64) int {
	if n := cmp.Compare(aOrg, bOrg); n != 0 {
		return n
	}
	return cmp.Compare(aCase, bCase)
}

func sortChains(c []store.Chain) {
	slices.SortFunc(c, func(a, b store.Chain) int { return cmpChain(a.OrgID, a.CaseID, b.OrgID, b.CaseID) })
}

// LatestCheckpointDigest is the digest of the newest checkpoint (nil:
// none yet), quoted in the DPO's daily digest as an outside witness.
func (s *Service) LatestCheckpointDigest(ctx context.Context, q *store.Q) (store.Checkpoint, error) {
	c, err := q.LatestCheckpoint(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return store.Checkpoint{}, nil
	}
	return c, err
}
