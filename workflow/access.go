package workflow

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"rightsdesk/internal/store"
)

// Access log kinds (issue 16 item 11): what a reader read.
const (
	AccessCaseViewed       = "case_viewed"
	AccessTaskViewed       = "task_viewed"
	AccessFileDownloaded   = "file_downloaded"
	AccessEmailViewed      = "email_viewed"
	AccessLetterDownloaded = "letter_downloaded"
	AccessAPIRead          = "api_read" // an integration read where the request stands (D-20)
)

// AccessLogLimit is how many reads the case page lists.
const AccessLogLimit = 200

// LogAccess records that actor read a case's personal data (GDPR
// accountability, issue 16 item 11): one INSERT, no personal data (D-25).
func (s *Service) LogAccess(ctx context.Context, orgID, caseID int64, actor Actor, what string, ref int64) error {
	return store.New(s.Pool).LogAccess(ctx, orgID, caseID, store.AccessEntry{Actor: string(actor), What: what, Ref: ref, At: s.Now()})
}

// APIReadEvery is how often one token's reads of one case are logged: an
// integration polling where a request stands leaves one entry an hour.
const APIReadEvery = time.Hour

// LogAPIRead records that an integration read where a case stands (D-20),
// at most once per token, case and APIReadEvery.
func (s *Service) LogAPIRead(ctx context.Context, orgID, caseID int64, actor Actor) error {
	return store.New(s.Pool).LogAccessOnce(ctx, orgID, caseID, store.AccessEntry{Actor: string(actor), What: AccessAPIRead, At: s.Now()}, APIReadEvery)
}

// AccessLog lists a case's reads, newest first.
func (s *Service) AccessLog(ctx context.Context, org store.Org, caseID int64) ([]store.AccessEntry, error) {
	return store.New(s.Pool).AccessLog(ctx, org.ID, caseID, AccessLogLimit)
}

// RevealedHetu is the full henkilötunnus of the requester and, for a
// request made on someone's behalf, of its subject ("" when none).
type RevealedHetu struct {
	Hetu, SubjectHetu string
}

// RevealHetu decrypts the henkilötunnus for an owner or the DPO who asked
// for it with a deliberate click (issue 16 item 11, ID-4). The audit trail
// records who, when and which case (and task) — never the code itself.
func (s *Service) RevealHetu(ctx context.Context, org store.Org, caseID, taskID int64, actor Actor) (RevealedHetu, error) {
	var out RevealedHetu
	err := s.tx(ctx, func(_ pgx.Tx, q *store.Q) error {
		r, err := q.RequesterOf(ctx, org.ID, caseID)
		if err != nil {
			return err
		}
		if len(r.HetuEnc) > 0 {
			b, err := s.Keys.Decrypt(r.HetuEnc)
			if err != nil {
				return err
			}
			out.Hetu = string(b)
		}
		if len(r.SubjectHetuEnc) > 0 {
			b, err := s.Keys.Decrypt(r.SubjectHetuEnc)
			if err != nil {
				return err
			}
			out.SubjectHetu = string(b)
		}
		if out.Hetu == "" && out.SubjectHetu == "" {
			return ErrNotAllowed
		}
		data := map[string]any{}
		if taskID != 0 {
			data["task"] = taskID
		}
		return s.audit(ctx, q, org.ID, caseID, actor, "hetu_revealed", data)
	})
	if err != nil {
		return RevealedHetu{}, err
	}
	return out, nil
}
