package workflow

import (
	"context"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/export"
	"rightsdesk/internal/pdf"
	"rightsdesk/internal/store"
)

// The machine-readable export of an access answer (issue 18; Art 20 and
// the electronic copy of 15(3)): a ZIP with the letter, one JSON document
// per register (docs/export.schema.json), a CSV per extract and the
// owners' uploaded files as they are. Withheld cells and rows are left out
// as in the letter, and files withheld whole are not in it (internal/export).

// AccessExport renders the access answer of a case and returns it as the
// export ZIP with its download name, for the DPO. It audits
// "export_rendered" (ids and counts only); ErrNotAllowed until every
// access task is answered, as AccessLetter.
func (s *Service) AccessExport(ctx context.Context, org store.Org, caseID int64, actor Actor) (string, []byte, error) {
	var in export.Input
	err := s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		l, _, err := accessLetterQ(ctx, q, org, caseID)
		if err != nil {
			return err
		}
		b, err := pdf.New(s.Catalog).Bytes(l)
		if err != nil {
			return err
		}
		in, err = s.exportInput(ctx, q, org, caseID, l, b)
		if err != nil {
			return err
		}
		return s.audit(ctx, q, org.ID, caseID, actor, "export_rendered", exportAudit(in, 0))
	})
	if err != nil {
		return "", nil, err
	}
	b, err := export.Build(in)
	return export.Filename(in.Letter), b, err
}

// DownloadAnswerExport returns the export ZIP of a sent answer for the
// resident who entered the code: the letter in it is the stored PDF that
// went out; the data are the tasks' answers. It counts and audits the
// download (ids only), as DownloadAnswer.
func (s *Service) DownloadAnswerExport(ctx context.Context, org store.Org, deliveryID int64) (string, []byte, error) {
	now := s.Now()
	var in export.Input
	err := s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		d, err := liveDelivery(ctx, q, org, deliveryID, now)
		if err != nil {
			return err
		}
		l, _, err := accessLetterQ(ctx, q, org, d.CaseID)
		if err != nil {
			return err
		}
		b, err := q.TakeAnswerPDF(ctx, org.ID, d.ID)
		if err != nil {
			return err
		}
		if in, err = s.exportInput(ctx, q, org, d.CaseID, l, b); err != nil {
			return err
		}
		return s.audit(ctx, q, org.ID, d.CaseID, ActorResident, "answer_export_downloaded",
			exportAudit(in, d.ID))
	})
	if err != nil {
		return "", nil, err
	}
	b, err := export.Build(in)
	return export.Filename(in.Letter), b, err
}

func exportAudit(in export.Input, delivery int64) map[string]any {
	n := 0
	for _, fs := range in.Files {
		n += len(fs)
	}
	m := map[string]any{"registers": len(in.Letter.Registers), "files": n}
	if delivery != 0 {
		m["delivery"] = delivery
	}
	return m
}

// exportInput reads the delivered files of each register of l (its
// access tasks, in the letter's order), leaving out files withheld whole.
func (s *Service) exportInput(ctx context.Context, q *store.Q, org store.Org, caseID int64, l pdf.Letter, letterPDF []byte) (export.Input, error) {
	in := export.Input{Letter: l, LetterPDF: letterPDF,
		Mark: func(n int) string { return s.Catalog.T(l.Lang, "letter.withheld.cell", n) }}
	tasks, err := q.TasksOfCase(ctx, org.ID, caseID)
	if err != nil {
		return in, err
	}
	files, err := q.CaseAttachments(ctx, org.ID, caseID)
	if err != nil {
		return in, err
	}
	marks, err := q.WithheldOfCase(ctx, org.ID, caseID)
	if err != nil {
		return in, err
	}
	held := map[int64]bool{}
	for _, m := range marks {
		if m.AttachmentID != nil {
			held[*m.AttachmentID] = true
		}
	}
	for _, t := range tasks {
		if !accessTask(t) {
			continue
		}
		var fs []export.File
		for _, f := range files {
			if f.TaskID != t.ID || held[f.ID] {
				continue
			}
			a, err := q.TaskAttachment(ctx, org.ID, t.ID, f.ID)
			if err != nil {
				return in, err
			}
			fs = append(fs, export.File{Name: a.Filename, ContentType: a.ContentType, Data: a.Data})
		}
		in.Files = append(in.Files, fs)
	}
	if len(in.Files) != len(l.Registers) {
		return in, ErrNotAllowed // the tasks changed under the letter
	}
	return in, nil
}

// AccessLetterHTML is the access answer as an accessible HTML page (issue
// 18; Act 306/2019) with the same content as the PDF, for the DPO.
func (s *Service) AccessLetterHTML(ctx context.Context, org store.Org, caseID int64, actor Actor) ([]byte, error) {
	l, err := s.AccessLetter(ctx, org, caseID, actor)
	if err != nil {
		return nil, err
	}
	return pdf.New(s.Catalog).HTML(l)
}

// AnswerHTML is the HTML page of a sent answer for the resident who
// entered the code; the view is audited (ids only).
func (s *Service) AnswerHTML(ctx context.Context, org store.Org, deliveryID int64) ([]byte, error) {
	now := s.Now()
	var l pdf.Letter
	err := s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		d, err := liveDelivery(ctx, q, org, deliveryID, now)
		if err != nil {
			return err
		}
		if l, err = s.letterOfKind(ctx, q, org, d.CaseID, pdf.Kind(d.Kind)); err != nil {
			return err
		}
		return s.audit(ctx, q, org.ID, d.CaseID, ActorResident, "answer_html_viewed", map[string]any{"delivery": d.ID})
	})
	if err != nil {
		return nil, err
	}
	return pdf.New(s.Catalog).HTML(l)
}
