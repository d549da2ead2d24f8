package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"rightsdesk/internal/secret"
)

// legacyColumn is a personal column that the migration turned into
// version-0 envelopes (0x00 || plaintext); EncryptLegacy seals them.
type legacyColumn struct {
	table, key, caseExpr, column string
}

// legacyColumns: every sealed column, with how to find its row and case
// (0: no case, sealed under the keyring).
var legacyColumns = func() []legacyColumn {
	var out []legacyColumn
	add := func(table, key, caseExpr string, cols ...string) {
		for _, c := range cols {
			out = append(out, legacyColumn{table, key, caseExpr, c})
		}
	}
	add("cases", "id", "id", "details", "extension_reason", "pause_reason", "refusal_reason", "doc_extension_reason")
	add("requesters", "case_id", "case_id", "name", "email", "phone", "address", "subject_name", "hetu_enc", "subject_hetu_enc")
	add("case_notes", "id", "case_id", "body")
	add("outbox", "id", "coalesce(case_id, 0)", "to_addr", "subject", "text_body", "html_body", "last_error")
	add("tasks", "id", "case_id", "extract_text", "answer_comment", "answer_changes", "recipients_told",
		"letter_comment", "letter_changes", "letter_told")
	add("task_attachments", "id", "(SELECT t.case_id FROM tasks t WHERE t.id = task_attachments.task_id)", "filename", "data")
	add("inbound_messages", "id", "coalesce(case_id, 0)", "from_addr", "subject", "raw")
	add("inbound_files", "id", "coalesce(case_id, 0)", "filename", "data")
	add("answer_deliveries", "id", "case_id", "pdf")
	add("answer_withheld", "id", "case_id", "reason")
	add("letter_queue", "id", "case_id", "pdf")
	return out
}()

// LegacyReport counts what EncryptLegacy did.
type LegacyReport struct {
	Sealed       int // values sealed
	Wiped        int // plaintext of a purged case, removed
	EmailIndexed int // requesters given an email blind index
	CaseKeys     int // cases given a data key
}

// EncryptLegacy encrypts the rows written before personal data was
// encrypted at rest (issue 16 item 4): every version-0 envelope the
// migration left is sealed with its case's key (or under the keyring for
// a row of no case), requesters get their email blind index, and every
// case gets a data key. It is idempotent and works in small transactions,
// so it can be interrupted and run again; serve (after its migrations) and
// 'rightsdesk migrate up' run it. Plaintext of a case whose key was
// destroyed is removed, never sealed under a new key.
func EncryptLegacy(ctx context.Context, pool *pgxpool.Pool, keys *secret.Keys) (LegacyReport, error) {
	var rep LegacyReport
	const batch = 200
	// Every case gets a key (cases made before the keys existed).
	for {
		var n int
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `SELECT id FROM cases c WHERE NOT EXISTS (SELECT 1 FROM case_keys k WHERE k.case_id = c.id)
				ORDER BY id LIMIT $1`, batch)
			if err != nil {
				return err
			}
			ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			if err != nil {
				return err
			}
			q := New(tx).WithKeys(keys)
			for _, id := range ids {
				if _, err := q.caseKey(ctx, id, true); err != nil {
					return err
				}
			}
			n = len(ids)
			return nil
		})
		if err != nil {
			return rep, fmt.Errorf("case keys: %w", err)
		}
		rep.CaseKeys += n
		if n < batch {
			break
		}
	}
	for _, lc := range legacyColumns {
		for {
			var n int
			err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				rows, err := tx.Query(ctx, fmt.Sprintf(`SELECT %s, %s, %s FROM %s
					WHERE length(%s) > 0 AND get_byte(%s, 0) = 0 LIMIT $1 FOR UPDATE`,
					lc.key, lc.caseExpr, lc.column, lc.table, lc.column, lc.column), batch)
				if err != nil {
					return err
				}
				type row struct {
					key, caseID int64
					v           []byte
				}
				var todo []row
				for rows.Next() {
					var r row
					var caseID *int64
					if err := rows.Scan(&r.key, &caseID, &r.v); err != nil {
						rows.Close()
						return err
					}
					if caseID != nil {
						r.caseID = *caseID
					}
					todo = append(todo, r)
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
				q := New(tx).WithKeys(keys)
				for _, r := range todo {
					sealed, err := q.sealFor(ctx, r.caseID, lc.table+"."+lc.column, r.v[1:])
					if errors.Is(err, ErrPurged) {
						sealed = []byte{}
						rep.Wiped++
					} else if err != nil {
						return err
					} else {
						rep.Sealed++
					}
					if _, err := tx.Exec(ctx, fmt.Sprintf(`UPDATE %s SET %s = $2 WHERE %s = $1`, lc.table, lc.column, lc.key),
						r.key, sealed); err != nil {
						return err
					}
				}
				n = len(todo)
				return nil
			})
			if err != nil {
				return rep, fmt.Errorf("%s.%s: %w", lc.table, lc.column, err)
			}
			if n < batch {
				break
			}
		}
	}
	// Email blind indexes of requesters stored before they existed, and
	// the key id of henkilötunnus indexes made with the current key.
	for {
		var n int
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `SELECT case_id, email FROM requesters
				WHERE email_index IS NULL AND email_index_key = '' AND length(email) > 0 LIMIT $1 FOR UPDATE`, batch)
			if err != nil {
				return err
			}
			type row struct {
				caseID int64
				email  []byte
			}
			var todo []row
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.caseID, &r.email); err != nil {
					rows.Close()
					return err
				}
				todo = append(todo, r)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			q := New(tx).WithKeys(keys)
			for _, r := range todo {
				email, err := q.openStr(ctx, r.caseID, "requesters.email", r.email)
				if errors.Is(err, ErrPurged) {
					// Unreadable for ever: nothing to index, nothing to keep.
					if _, err := tx.Exec(ctx, `UPDATE requesters SET email = ''::bytea WHERE case_id = $1`, r.caseID); err != nil {
						return err
					}
					continue
				} else if err != nil {
					return err
				}
				_, idx, err := q.emailIndex(email)
				if err != nil {
					return err
				}
				// The key id also for a blank address: it marks the row done.
				if _, err := tx.Exec(ctx, `UPDATE requesters SET email_index = $2, email_index_key = $3 WHERE case_id = $1`,
					r.caseID, idx, keys.ID()); err != nil {
					return err
				}
			}
			n = len(todo)
			return nil
		})
		if err != nil {
			return rep, fmt.Errorf("email indexes: %w", err)
		}
		rep.EmailIndexed += n
		if n < batch {
			break
		}
	}
	// Henkilötunnus indexes written before key ids were stored were made
	// with the key that was current then: taken to be today's.
	_, err := pool.Exec(ctx, `UPDATE requesters SET hetu_index_key = $1 WHERE hetu_index IS NOT NULL AND hetu_index_key = ''`, keys.ID())
	if err == nil {
		_, err = pool.Exec(ctx, `UPDATE requesters SET subject_hetu_index_key = $1
			WHERE subject_hetu_index IS NOT NULL AND subject_hetu_index_key = ''`, keys.ID())
	}
	return rep, mapErr(err, "henkilötunnus index key ids")
}
