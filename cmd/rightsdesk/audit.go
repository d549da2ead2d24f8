package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"strings"

	"rightsdesk/internal/store"
	"rightsdesk/workflow"
)

const auditUsage = "usage: rightsdesk audit verify [--org SLUG] [--digest HEX] | checkpoint"

// runAudit verifies the audit trail or records a checkpoint (issue 16).
// verify exits non-zero naming the first broken link.
func runAudit(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return errors.New(auditUsage)
	}
	verb, rest := args[0], args[1:]
	var slug, digest string
	switch verb {
	case "-h", "--help", "-help", "help":
		fmt.Fprintln(env.Stdout, auditUsage)
		return nil
	case "verify", "checkpoint":
	default:
		return fmt.Errorf("unknown verb %q (%s)", verb, auditUsage)
	}
	cfg, _, err := parseConfig(env, "audit "+verb, rest, func(fs *flag.FlagSet) {
		if verb == "verify" {
			fs.StringVar(&slug, "org", "", "verify only this organisation's chains (and every checkpoint)")
			fs.StringVar(&digest, "digest", "", "also confirm that a checkpoint with this digest (from a DPO's daily digest mail) is intact")
		}
	})
	if err != nil {
		return err
	}
	digest = strings.ToLower(strings.TrimSpace(digest))
	if _, err := hex.DecodeString(digest); digest != "" && (err != nil || len(digest) != 64) {
		// Before the verification, which can take minutes.
		return errors.New("--digest: want the 64 hex characters quoted in the digest mail")
	}
	cfg.Seed = false
	a, err := setup(ctx, cfg, env, false, false)
	if err != nil {
		return err
	}
	defer a.close()
	q := store.New(a.pool)
	if verb == "checkpoint" {
		res, err := a.wf.CheckpointProgress(ctx, env.Stderr)
		if err != nil {
			return err
		}
		if res.ID == 0 {
			fmt.Fprintln(env.Stdout, "no chain moved since the last checkpoint; none written")
		} else {
			fmt.Fprintf(env.Stdout, "checkpoint %d: %d chains, digest %x\n", res.ID, res.Chains, res.Digest)
		}
		if len(res.Broken) > 0 {
			b := res.Broken[0]
			return fmt.Errorf("%d broken chains were not recorded; first: %s", len(res.Broken), describeChain(ctx, q, b))
		}
		return nil
	}
	var orgID int64
	if slug != "" {
		org, err := q.OrgBySlug(ctx, slug)
		if errors.Is(err, store.ErrNotFound) {
			return unknownOrg(ctx, a.pool, slug)
		}
		if err != nil {
			return err
		}
		orgID = org.ID
	}
	r, err := a.wf.VerifyAuditProgress(ctx, orgID, env.Stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "verified %d chains, %d events, %d checkpoints", r.Chains, r.Events, r.Checkpoints)
	if len(r.LatestDigest) > 0 {
		fmt.Fprintf(env.Stdout, " (latest digest %x)", r.LatestDigest)
	}
	fmt.Fprintln(env.Stdout)
	var problems []string
	if r.CheckpointBroken != 0 {
		problems = append(problems, fmt.Sprintf("checkpoint %d: %s", r.CheckpointBroken, r.CheckpointReason))
	}
	if r.First != nil {
		problems = append(problems, describeChain(ctx, q, *r.First))
		if n := len(r.Broken); n > 1 {
			problems = append(problems, fmt.Sprintf("%d broken chains in all", n))
		}
	}
	if d := digest; d != "" {
		if id, ok := r.Digests[d]; ok {
			fmt.Fprintf(env.Stdout, "digest %s is checkpoint %d\n", d[:16], id)
		} else {
			problems = append(problems, "no checkpoint has the digest "+d+
				" (if it is the one the digest mail quotes, checkpoints were removed or rewritten; compare it with the mail first)")
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("audit trail BROKEN: %s", strings.Join(problems, "; "))
	}
	fmt.Fprintln(env.Stdout, "audit trail intact")
	return nil
}

// describeChain names a broken link: organisation, case receipt (or the
// organisation's own chain), event and reason. No personal data.
func describeChain(ctx context.Context, q *store.Q, b workflow.ChainReport) string {
	org := fmt.Sprintf("organisation %d", b.OrgID)
	if o, err := q.OrgByID(ctx, b.OrgID); err == nil {
		org = "organisation " + o.Slug
	}
	chain := "its own chain"
	if b.CaseID != 0 {
		chain = fmt.Sprintf("case id %d", b.CaseID)
		if c, err := q.CaseByID(ctx, b.OrgID, b.CaseID); err == nil {
			chain = "case " + c.Receipt
		}
	}
	return fmt.Sprintf("%s, %s, event %d: %s", org, chain, b.Break.Seq, b.Break.Reason)
}
