package store

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// Task is one register owner's part of a case: one register, one right.
type Task struct {
	ID             int64      `db:"id"`
	OrgID          int64      `db:"org_id"`
	CaseID         int64      `db:"case_id"`
	RegisterID     int64      `db:"register_id"`
	Right          string     `db:"right"`
	State          string     `db:"state"`
	LegalBasis     string     `db:"legal_basis"`
	AllowedAnswers []string   `db:"allowed_answers"`
	OwnerName      string     `db:"owner_name"`
	OwnerEmail     string     `db:"owner_email"`
	TokenHash      []byte     `db:"token_hash"`
	TokenExpiresAt *time.Time `db:"token_expires_at"`
	Answer         string     `db:"answer"`
	AnswerGround   string     `db:"answer_ground"`
	AnswerComment  string     `db:"-"` // AnswerComment, AnswerChanges and ExtractText are sealed (crypt.go)
	AnswerChanges  string     `db:"-"`
	ExtractText    string     `db:"-"`
	// RecipientsTold lists, one a line, the recipients told of a
	// rectification, erasure or restriction (Art 19), sealed like the
	// answer's texts; RecipientsNone: the owner stated there were none.
	RecipientsTold string `db:"-"`
	RecipientsNone bool   `db:"recipients_none"`
	// The DPO's version of the owner's texts a letter prints (LetterComment
	// for AnswerComment, LetterChanges for AnswerChanges, LetterTold for
	// RecipientsTold), sealed like them; "" where the DPO edited nothing.
	// The originals stay as the owner wrote them.
	LetterComment      string     `db:"-"`
	LetterChanges      string     `db:"-"`
	LetterTold         string     `db:"-"`
	LetterEditedBy     string     `db:"letter_edited_by"`
	LetterEditedAt     *time.Time `db:"letter_edited_at"`
	GuardianRestricted bool       `db:"guardian_restricted"`
	AnsweredAt         *time.Time `db:"answered_at"`
	AnsweredBy         string     `db:"answered_by"`
	OpenedAt           *time.Time `db:"opened_at"`
	CreatedAt          time.Time  `db:"created_at"`
	UpdatedAt          time.Time  `db:"updated_at"`
	// From the register (read-only joins).
	RegisterName string `db:"register_name"`
	RegisterLang string `db:"register_lang"`
}

const taskCols = `t.id, t.org_id, t.case_id, t.register_id, t."right", t.state, t.legal_basis, t.allowed_answers,
	t.owner_name, t.owner_email, t.token_hash, t.token_expires_at, t.answer, t.answer_ground, t.answer_comment AS comment_sealed,
	t.answer_changes AS changes_sealed, t.extract_text AS extract_sealed,
	t.recipients_told AS told_sealed, t.recipients_none, t.letter_comment AS letter_comment_sealed,
	t.letter_changes AS letter_changes_sealed, t.letter_told AS letter_told_sealed, t.letter_edited_by, t.letter_edited_at, t.guardian_restricted, t.answered_at, t.answered_by, t.opened_at,
	t.created_at, t.updated_at, r.name AS register_name, r.language AS register_lang`

// taskSealed is a task as stored: the owner's free texts and extract
// sealed with the case key.
type taskSealed struct {
	Task
	CommentSealed []byte `db:"comment_sealed"`
	ChangesSealed []byte `db:"changes_sealed"`
	ExtractSealed []byte `db:"extract_sealed"`
	ToldSealed    []byte `db:"told_sealed"`

	LetterCommentSealed []byte `db:"letter_comment_sealed"`
	LetterChangesSealed []byte `db:"letter_changes_sealed"`
	LetterToldSealed    []byte `db:"letter_told_sealed"`
}

func (q *Q) openTask(ctx context.Context, s taskSealed) (Task, error) {
	t := s.Task
	var f fieldOp
	t.AnswerComment = f.open(q, ctx, t.CaseID, "tasks.answer_comment", s.CommentSealed)
	t.AnswerChanges = f.open(q, ctx, t.CaseID, "tasks.answer_changes", s.ChangesSealed)
	t.ExtractText = f.open(q, ctx, t.CaseID, "tasks.extract_text", s.ExtractSealed)
	t.RecipientsTold = f.open(q, ctx, t.CaseID, "tasks.recipients_told", s.ToldSealed)
	t.LetterComment = f.open(q, ctx, t.CaseID, "tasks.letter_comment", s.LetterCommentSealed)
	t.LetterChanges = f.open(q, ctx, t.CaseID, "tasks.letter_changes", s.LetterChangesSealed)
	t.LetterTold = f.open(q, ctx, t.CaseID, "tasks.letter_told", s.LetterToldSealed)
	if f.err != nil {
		return s.Task, f.err
	}
	return t, nil
}

func (q *Q) collectTasks(ctx context.Context, rows pgx.Rows, err error, what string) ([]Task, error) {
	if err != nil {
		return nil, mapErr(err, what)
	}
	raw, err := pgx.CollectRows(rows, pgx.RowToStructByName[taskSealed])
	if err != nil {
		return nil, mapErr(err, what)
	}
	out := make([]Task, len(raw))
	for i, r := range raw {
		if out[i], err = q.openTask(ctx, r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (q *Q) collectTask(ctx context.Context, rows pgx.Rows, what string) (Task, error) {
	r, err := pgx.CollectOneRow(rows, pgx.RowToStructByName[taskSealed])
	if err != nil {
		return Task{}, mapErr(err, what)
	}
	return q.openTask(ctx, r)
}

const taskFrom = ` FROM tasks t JOIN registers r ON r.id = t.register_id `

// InsertTask creates a task (routing); a duplicate (case, register, right)
// is ignored and reported as id 0.
func (q *Q) InsertTask(ctx context.Context, t Task) (int64, error) {
	var id int64
	comment, err := q.sealStr(ctx, t.CaseID, "tasks.answer_comment", t.AnswerComment)
	if err != nil {
		return 0, err
	}
	err = q.db.QueryRow(ctx, `
		INSERT INTO tasks (org_id, case_id, register_id, "right", state, legal_basis, allowed_answers, owner_name, owner_email,
			answer, answer_comment, answered_at, answered_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)
		ON CONFLICT (case_id, register_id, "right") DO NOTHING
		RETURNING id`,
		t.OrgID, t.CaseID, t.RegisterID, t.Right, t.State, t.LegalBasis, t.AllowedAnswers, t.OwnerName, t.OwnerEmail,
		t.Answer, comment, t.AnsweredAt, t.AnsweredBy, t.CreatedAt).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return id, mapErr(err, "creating task")
}

// TasksOfCase lists a case's tasks by register name.
func (q *Q) TasksOfCase(ctx context.Context, orgID, caseID int64) ([]Task, error) {
	rows, err := q.db.Query(ctx, `SELECT `+taskCols+taskFrom+`WHERE t.org_id = $1 AND t.case_id = $2 ORDER BY r.name, t."right"`, orgID, caseID)
	return q.collectTasks(ctx, rows, err, "tasks")
}

// TaskForUpdate locks a task of the organisation.
func (q *Q) TaskForUpdate(ctx context.Context, orgID, id int64) (Task, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+taskCols+taskFrom+`WHERE t.org_id = $1 AND t.id = $2 FOR UPDATE OF t`, orgID, id)
	return q.collectTask(ctx, rows, "task")
}

// TaskByID reads a task without the organisation (jobs, which hold only
// the id they were given by a transaction of that organisation).
func (q *Q) TaskByID(ctx context.Context, id int64) (Task, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+taskCols+taskFrom+`WHERE t.id = $1`, id)
	return q.collectTask(ctx, rows, "task")
}

// TaskByTokenHash finds the task a link token opens.
func (q *Q) TaskByTokenHash(ctx context.Context, hash []byte) (Task, error) {
	rows, _ := q.db.Query(ctx, `SELECT `+taskCols+taskFrom+`WHERE t.token_hash = $1`, hash)
	return q.collectTask(ctx, rows, "task")
}

// UpdateTask writes back a task's mutable fields.
func (q *Q) UpdateTask(ctx context.Context, t Task) error {
	var f fieldOp
	comment := f.seal(q, ctx, t.CaseID, "tasks.answer_comment", t.AnswerComment)
	changes := f.seal(q, ctx, t.CaseID, "tasks.answer_changes", t.AnswerChanges)
	extract := f.seal(q, ctx, t.CaseID, "tasks.extract_text", t.ExtractText)
	told := f.seal(q, ctx, t.CaseID, "tasks.recipients_told", t.RecipientsTold)
	if f.err != nil {
		return f.err
	}
	_, err := q.db.Exec(ctx, `
		UPDATE tasks SET state = $3, owner_name = $4, owner_email = $5, token_hash = $6, token_expires_at = $7,
			answer = $8, answer_ground = $9, answer_comment = $10, answer_changes = $11, extract_text = $12,
			guardian_restricted = $13, answered_at = $14, answered_by = $15, opened_at = $16, updated_at = $17,
			legal_basis = $18, allowed_answers = $19, recipients_told = $20, recipients_none = $21
		WHERE org_id = $1 AND id = $2`,
		t.OrgID, t.ID, t.State, t.OwnerName, t.OwnerEmail, t.TokenHash, t.TokenExpiresAt,
		t.Answer, t.AnswerGround, comment, changes, extract,
		t.GuardianRestricted, t.AnsweredAt, t.AnsweredBy, t.OpenedAt, t.UpdatedAt, t.LegalBasis, t.AllowedAnswers,
		told, t.RecipientsNone)
	return mapErr(err, "updating task")
}

// SetTaskLetterTexts writes the DPO's version of a task's letter texts
// (all three "" with a nil at: no version, the owner's texts print).
func (q *Q) SetTaskLetterTexts(ctx context.Context, t Task) error {
	var f fieldOp
	comment := f.seal(q, ctx, t.CaseID, "tasks.letter_comment", t.LetterComment)
	changes := f.seal(q, ctx, t.CaseID, "tasks.letter_changes", t.LetterChanges)
	told := f.seal(q, ctx, t.CaseID, "tasks.letter_told", t.LetterTold)
	if f.err != nil {
		return f.err
	}
	_, err := q.db.Exec(ctx, `UPDATE tasks SET letter_comment = $3, letter_changes = $4, letter_told = $5,
		letter_edited_by = $6, letter_edited_at = $7 WHERE org_id = $1 AND id = $2`,
		t.OrgID, t.ID, comment, changes, told, t.LetterEditedBy, t.LetterEditedAt)
	return mapErr(err, "task letter texts")
}

// RoutingRegister is what routing needs of a catalogue register.
type RoutingRegister struct {
	ID                  int64  `db:"id"`
	Name                string `db:"name"`
	LegalBasis          string `db:"legal_basis"`
	OwnerName           string `db:"owner_name"`
	OwnerEmail          string `db:"owner_email"`
	ControllerElsewhere bool   `db:"controller_elsewhere"`
	ElsewhereName       string `db:"elsewhere_name"`
	ElsewhereContact    string `db:"elsewhere_contact"`
	// Language the register's texts were published in (D-5).
	Language string `db:"language"`
}

// RoutingRegisters returns the organisation's registers, all of them (ids
// nil) or the given ones. Registers no longer in their source document are
// still routed when chosen by id, but not for "all registers".
func (q *Q) RoutingRegisters(ctx context.Context, orgID int64, ids []int64) ([]RoutingRegister, error) {
	rows, err := q.db.Query(ctx, `
		SELECT id, name, legal_basis, owner_name, owner_email, controller_elsewhere, elsewhere_name, elsewhere_contact, language
		FROM registers WHERE org_id = $1 AND (($2::bigint[] IS NULL AND NOT missing_from_source) OR id = ANY($2))
		ORDER BY name, id`, orgID, ids)
	if err != nil {
		return nil, mapErr(err, "routing registers")
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[RoutingRegister])
	return out, mapErr(err, "routing registers")
}

// OpenTaskCount counts a case's tasks not yet answered.
func (q *Q) OpenTaskCount(ctx context.Context, orgID, caseID int64) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM tasks WHERE org_id = $1 AND case_id = $2 AND state IN ('waiting', 'open')`, orgID, caseID).Scan(&n)
	return n, mapErr(err, "open tasks")
}

// TaskBasis is a waiting or open task whose legal basis differs from its
// register's in the catalogue (D-11).
type TaskBasis struct {
	ID            int64  `db:"id"`
	CaseID        int64  `db:"case_id"`
	Right         string `db:"right"`
	Basis         string `db:"legal_basis"`
	RegisterBasis string `db:"register_basis"`
}

// OpenTasksOffBasis lists the waiting and open tasks of orgID (of register
// registerID only, when it is not 0) whose legal basis is no longer their
// register's, in case and task order (the order their cases are locked).
func (q *Q) OpenTasksOffBasis(ctx context.Context, orgID, registerID int64) ([]TaskBasis, error) {
	rows, _ := q.db.Query(ctx, `
		SELECT t.id, t.case_id, t."right", t.legal_basis, r.legal_basis AS register_basis
		FROM tasks t JOIN registers r ON r.id = t.register_id AND r.org_id = t.org_id
		WHERE t.org_id = $1 AND ($2 = 0 OR t.register_id = $2) AND t.state IN ('waiting', 'open')
			AND t.legal_basis IS DISTINCT FROM r.legal_basis
		ORDER BY t.case_id, t.id`, orgID, registerID)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[TaskBasis])
	return out, mapErr(err, "tasks")
}

// SetTaskBasis gives a waiting or open task a legal basis and the answers
// it allows; false when the task is no longer waiting or open.
func (q *Q) SetTaskBasis(ctx context.Context, orgID, taskID int64, basis string, allowed []string) (bool, error) {
	tag, err := q.db.Exec(ctx, `UPDATE tasks SET legal_basis = $3, allowed_answers = $4
		WHERE org_id = $1 AND id = $2 AND state IN ('waiting', 'open')`, orgID, taskID, basis, allowed)
	return tag.RowsAffected() == 1, mapErr(err, "task")
}

// LockOpenTasksSkipLocked locks those of ids that are open tasks of orgID
// and that no other transaction holds, and returns their ids: a caller
// holding a case lock may add its other tasks to its work without waiting
// for (and deadlocking with) a writer that locks a task before its case.
func (q *Q) LockOpenTasksSkipLocked(ctx context.Context, orgID int64, ids []int64) ([]int64, error) {
	rows, _ := q.db.Query(ctx, `SELECT id FROM tasks WHERE org_id = $1 AND id = ANY($2) AND state = 'open'
		ORDER BY id FOR UPDATE SKIP LOCKED`, orgID, ids)
	out, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return out, mapErr(err, "tasks")
}

// caseJobsLock is the advisory lock class of LockCaseJobs.
const caseJobsLock = 7269

// LockCaseJobs puts the task jobs (reminders, escalations) of one case in
// a line until the transaction ends. It is taken before any row lock: the
// jobs of a case's tasks fall due at the same minute, and the first then
// takes the others' tasks into its one mail (D-22) while they wait here,
// not holding their tasks. Nothing else takes it, so it waits for no one.
func (q *Q) LockCaseJobs(ctx context.Context, caseID int64) error {
	_, err := q.db.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2::int)`, int32(caseJobsLock), int32(caseID%(1<<31)))
	return mapErr(err, "case jobs lock")
}

// LockTasks locks the tasks ids of orgID in id order (waiting for them)
// and returns those it found.
func (q *Q) LockTasks(ctx context.Context, orgID int64, ids []int64) ([]int64, error) {
	rows, _ := q.db.Query(ctx, `SELECT id FROM tasks WHERE org_id = $1 AND id = ANY($2) ORDER BY id FOR UPDATE`, orgID, ids)
	out, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return out, mapErr(err, "tasks")
}
