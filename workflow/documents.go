package workflow

import (
	"context"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/pdf"
	"rightsdesk/internal/store"
)

// The documents given out with the decision on a request for documents
// (FI-2, Openness Act 621/1999 §14): the DPO attaches them to the
// decision (DecideDocumentRequest); they are stored with the case, sealed
// like the owners' answer files, listed in the decision letter, and the
// requester who chose electronic delivery downloads them behind the
// decision's secure link and its one-time code (answer_delivery.go), each
// download audited by ids only: a document's name may be personal data,
// so it is in no URL, log or audit event.

// DeliveredDocuments lists the documents behind a delivered link: those
// of its case when the link carries the decision on a request for
// documents, none for any other letter.
func (s *Service) DeliveredDocuments(ctx context.Context, org store.Org, d store.AnswerDelivery) ([]store.DocumentFile, error) {
	if d.Kind != string(pdf.KindDocDecision) {
		return nil, nil
	}
	return store.New(s.Pool).DocumentFilesOfCase(ctx, org.ID, d.CaseID)
}

// DownloadDocument returns one document behind a delivered decision's
// link, for the resident who entered the code, and audits the download
// (ids only). A link past its time is ErrLinkExpired; a document of
// another case, or a link of another letter, store.ErrNotFound.
func (s *Service) DownloadDocument(ctx context.Context, org store.Org, deliveryID, documentID int64) (store.DocumentFile, error) {
	now := s.Now()
	var f store.DocumentFile
	err := s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		d, err := liveDelivery(ctx, q, org, deliveryID, now)
		if err != nil {
			return err
		}
		if d.Kind != string(pdf.KindDocDecision) {
			return store.ErrNotFound
		}
		if f, err = q.DocumentFile(ctx, org.ID, d.CaseID, documentID); err != nil {
			return err
		}
		return s.audit(ctx, q, org.ID, d.CaseID, ActorResident, "document_downloaded",
			map[string]any{"delivery": d.ID, "document": f.ID})
	})
	return f, err
}

// DocumentFile reads one document given with a case's decision for a
// staff member, and audits the download (ids only).
func (s *Service) DocumentFile(ctx context.Context, org store.Org, caseID, documentID int64, actor Actor) (store.DocumentFile, error) {
	var f store.DocumentFile
	err := s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		var err error
		if f, err = q.DocumentFile(ctx, org.ID, caseID, documentID); err != nil {
			return err
		}
		return s.audit(ctx, q, org.ID, caseID, actor, "document_file_downloaded", map[string]any{"document": f.ID})
	})
	return f, err
}

// DocumentsOfCase lists the documents given with a case's decision,
// without their contents, for the case page.
func (s *Service) DocumentsOfCase(ctx context.Context, org store.Org, caseID int64) ([]store.DocumentFile, error) {
	return store.New(s.Pool).DocumentFilesOfCase(ctx, org.ID, caseID)
}
