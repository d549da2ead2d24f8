package workflow

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/store"
)

// The archive package (issue 22): before the retention purge, the DPO
// downloads closed cases for the municipality's case management. One ZIP:
//
//	manifest.json                 organisation, when, which cases, this layout
//	RD-2026-000123/case.json      the case's dates, rights, outcome and decisions
//	RD-2026-000123/audit.json     the case's audit trail (ids, codes, dates: D-25)
//	RD-2026-000123/letters/*.pdf  the answers and letters as sent or printed
//	RD-2026-000123/documents/*    the documents given out with the decision
//	                              on a request for documents (FI-2), opened
//	                              from their sealed form as the letters are,
//	                              named RD-2026-000123-01-<their own name>
//
// Exporting is audited on the organisation's chain and on each case's.

// ArchiveLimit is the most cases one package holds.
const ArchiveLimit = 500

// ArchiveFormat names the package layout in its manifest.
const ArchiveFormat = "rightsdesk-archive/1"

type archiveManifest struct {
	Format       string   `json:"format"`
	Organisation string   `json:"organisation"`
	GeneratedAt  string   `json:"generated_at"`
	ClosedBefore string   `json:"closed_before,omitempty"`
	Cases        []string `json:"cases"`
	Layout       []string `json:"layout"`
}

type archiveCase struct {
	Receipt            string   `json:"receipt"`
	Rights             []string `json:"rights"`
	Channel            string   `json:"channel"`
	Lang               string   `json:"lang"`
	ReceivedAt         string   `json:"received_at"`
	LegalDue           string   `json:"legal_due"`
	ExtendedDue        string   `json:"extended_due,omitempty"`
	ExtensionReason    string   `json:"extension_reason,omitempty"`
	IdentityMethod     string   `json:"identity_method,omitempty"`
	AnsweredAt         string   `json:"answered_at,omitempty"`
	ClosedAt           string   `json:"closed_at"`
	RefusalGround      string   `json:"refusal_ground,omitempty"`
	RefusalReason      string   `json:"refusal_reason,omitempty"`
	DocumentRequest    bool     `json:"document_request"`
	DocDecision        string   `json:"doc_decision,omitempty"`
	DocExtensionReason string   `json:"doc_extension_reason,omitempty"`
	Letters            []string `json:"letters"`
	// Documents: the documents given out with the decision on a request
	// for documents (FI-2), in the order they were given.
	Documents []archiveDocument `json:"documents"`
}

// archiveDocument names a document of the package: its file under
// RECEIPT/documents/, the name it was given under, and what it is.
type archiveDocument struct {
	File        string `json:"file"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	GivenAt     string `json:"given_at"`
}

// archiveDocumentFile is a document's name in the package: the request
// number and its place first, so a file taken out of the package still
// names its case, then the name it was given under, made safe for a ZIP
// entry (no folders, no control characters).
func archiveDocumentFile(receipt string, i int, name string) string {
	return fmt.Sprintf("%s-%02d-%s", receipt, i+1, CleanFilename(name, "document"))
}

type archiveEvent struct {
	Seq    int            `json:"seq"`
	At     string         `json:"at"`
	Actor  string         `json:"actor"`
	Action string         `json:"action"`
	Data   map[string]any `json:"data"`
	Hash   string         `json:"hash"`
}

func rfc(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

type archived struct {
	c       store.Case
	letters []store.ArchiveLetter
	events  []store.AuditEvent
	docs    []store.DocumentFile // without their contents: read one at a time as written
}

// WriteArchive writes the archive package of org's closed, not purged
// cases: the one with receipt when receipt is set, else those closed before
// closedBefore (at most ArchiveLimit, oldest first). It returns how many
// cases it holds; store.ErrNotFound when receipt names no closed case.
func (s *Service) WriteArchive(ctx context.Context, org store.Org, closedBefore time.Time, receipt string, actor Actor, w io.Writer) (int, error) {
	q := store.New(s.Pool)
	var ids []int64
	if receipt != "" {
		c, err := q.CaseByReceipt(ctx, []int64{org.ID}, receipt)
		if err != nil {
			return 0, err
		}
		if State(c.State) != StateClosed || c.Purged {
			return 0, store.ErrNotFound
		}
		ids = []int64{c.ID}
	} else {
		var err error
		if ids, err = q.ClosedCasesBefore(ctx, org.ID, closedBefore, ArchiveLimit); err != nil {
			return 0, err
		}
	}
	var cases []archived
	for _, id := range ids {
		c, err := q.CaseByID(ctx, org.ID, id)
		if err != nil {
			return 0, err
		}
		letters, err := q.CaseLetters(ctx, org.ID, id)
		if err != nil {
			return 0, err
		}
		events, err := q.AuditTrail(ctx, org.ID, id)
		if err != nil {
			return 0, err
		}
		docs, err := q.DocumentFilesOfCase(ctx, org.ID, id)
		if err != nil {
			return 0, err
		}
		cases = append(cases, archived{c, letters, events, docs})
	}
	now := s.Now()
	man := archiveManifest{Format: ArchiveFormat, Organisation: org.Slug, GeneratedAt: now.UTC().Format(time.RFC3339),
		Cases: []string{}, Layout: []string{"manifest.json", "RECEIPT/case.json", "RECEIPT/audit.json", "RECEIPT/letters/*.pdf", "RECEIPT/documents/*"}}
	if receipt == "" {
		man.ClosedBefore = closedBefore.UTC().Format(time.RFC3339)
	}
	for _, a := range cases {
		man.Cases = append(man.Cases, a.c.Receipt)
	}
	err := s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		for _, a := range cases {
			if err := s.audit(ctx, q, org.ID, a.c.ID, actor, "case.archived", nil); err != nil {
				return err
			}
		}
		return s.audit(ctx, q, org.ID, 0, actor, "archive_exported", map[string]any{"cases": len(cases)})
	})
	if err != nil {
		return 0, err
	}
	z := zip.NewWriter(w)
	put := func(name string, v any) error {
		f, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: now})
		if err != nil {
			return err
		}
		if b, ok := v.([]byte); ok {
			_, err = f.Write(b)
			return err
		}
		enc := json.NewEncoder(f)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	if err := put("manifest.json", man); err != nil {
		return 0, err
	}
	for _, a := range cases {
		c := a.c
		ac := archiveCase{Receipt: c.Receipt, Rights: c.Rights, Channel: c.Channel, Lang: c.Lang,
			ReceivedAt: rfc(&c.ReceivedAt), LegalDue: c.LegalDue.Format(time.DateOnly), ExtensionReason: c.ExtensionReason,
			IdentityMethod: c.IdentityMethod, AnsweredAt: rfc(c.AnsweredAt), ClosedAt: rfc(c.ClosedAt),
			RefusalGround: c.RefusalGround, RefusalReason: c.RefusalReason, DocumentRequest: c.DocumentRequest,
			DocDecision: c.DocDecision, DocExtensionReason: c.DocExtensionReason, Letters: []string{}, Documents: []archiveDocument{}}
		if c.ExtendedDue != nil {
			ac.ExtendedDue = c.ExtendedDue.Format(time.DateOnly)
		}
		for _, l := range a.letters {
			ac.Letters = append(ac.Letters, l.Name)
		}
		for i, d := range a.docs {
			ac.Documents = append(ac.Documents, archiveDocument{File: "documents/" + archiveDocumentFile(c.Receipt, i, d.Filename),
				Name: d.Filename, ContentType: d.ContentType, Size: d.Size, GivenAt: rfc(&d.CreatedAt)})
		}
		if err := put(c.Receipt+"/case.json", ac); err != nil {
			return 0, err
		}
		evs := make([]archiveEvent, 0, len(a.events))
		for _, e := range a.events {
			evs = append(evs, archiveEvent{Seq: e.Seq, At: e.At.UTC().Format(time.RFC3339Nano), Actor: e.Actor, Action: e.Action,
				Data: e.Data, Hash: fmt.Sprintf("%x", e.Hash)})
		}
		if err := put(c.Receipt+"/audit.json", evs); err != nil {
			return 0, err
		}
		for _, l := range a.letters {
			if err := put(c.Receipt+"/letters/"+l.Name, l.PDF); err != nil {
				return 0, err
			}
		}
		for i, d := range a.docs {
			f, err := q.DocumentFile(ctx, org.ID, c.ID, d.ID)
			if err != nil {
				return 0, err
			}
			if err := put(c.Receipt+"/"+ac.Documents[i].File, f.Data); err != nil {
				return 0, err
			}
		}
	}
	return len(cases), z.Close()
}
