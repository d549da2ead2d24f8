-- pgbench script: one API intake's own SQL (issue 21), the statements of
-- internal/store/intake.go (InsertIntake as the fast path calls it), without Go,
-- HTTP or River around them.
-- intakeload fills :org_id, and each {{bytes:TABLE.COLUMN}} with random
-- bytes as long as that column's average in the server's latest rows
-- (sealed values do not compress, so neither may these); walcpu.sh beside
-- this file fills them with fixed lengths to compare schema variants. JSON is built
-- with jsonb_build_object: pgbench reads ":name" in a literal as a variable.
-- Round trips as the server makes them (branch gocost): one pipeline, which
-- is its own implicit transaction (the server's pgx.Batch on the pool, no
-- BEGIN or COMMIT). The server draws the
-- ids ahead in blocks of 32 (a round trip per 32 requests); here each
-- statement takes them from the sequences itself (nextval, then currval),
-- which costs the sequences the same without a round trip.
-- The outbox row is written claimed and without a River job, as the
-- server's fast path writes it (MAIL_FAST, docs/scale.md 12 and 19); its
-- claim is a day long, so the server's backstop (mail_backstop) never
-- queues these rows' (random) mails during the run.
\startpipeline
INSERT INTO cases (id, org_id, receipt, gdpr, document_request, rights, all_registers, details, period_from, period_to, delivery, lang, channel, state, needs_triage, received_at, confirmed_at, raw_end, legal_due, safe_target, doc_due, doc_extended_due, email_verified_at, identity_verified_at, identity_method, code_hash, code_expires_at, codes_sent, created_at, updated_at, eves_non_working, subject_hetu_temporary) VALUES (nextval(pg_get_serial_sequence('cases', 'id')), :org_id, 'RD-2099-' || lpad(nextval('case_receipt_seq')::text, 6, '0'), true, false, '{access}', true, {{bytes:cases.details}}, NULL, NULL, 'electronic', 'fi', 'api', 'received', false, now(), NULL, current_date + 31, current_date + 31, current_date + 30, NULL, NULL, NULL, NULL, '', {{bytes:cases.code_hash}}, now() + interval '30 minutes', 1, now(), now(), false, false);
INSERT INTO api_idempotency (org_id, idem_key, request_hash, case_id, status, response, created_at) VALUES (:org_id, 'pgbench-' || currval(pg_get_serial_sequence('cases', 'id'))::text, {{bytes:api_idempotency.request_hash}}, currval(pg_get_serial_sequence('cases', 'id')), 201, jsonb_build_object('receipt', 'RD-2099-000000', 'received_at', now(), 'legal_due', current_date + 31, 'safe_target', current_date + 30, 'state', 'received', 'confirmation', 'email_code')::text, now());
INSERT INTO case_keys (case_id, key_id, wrapped, created_at) VALUES (currval(pg_get_serial_sequence('cases', 'id')), 'k1', {{bytes:case_keys.wrapped}}, now());
INSERT INTO requesters (case_id, org_id, name, email, phone, address, hetu_enc, hetu_index, hetu_mask, hetu_temporary, on_behalf, relation, subject_name, subject_hetu_enc, subject_hetu_index, subject_hetu_mask, email_index, email_index_key, hetu_index_key, subject_hetu_index_key) VALUES (currval(pg_get_serial_sequence('cases', 'id')), :org_id, {{bytes:requesters.name}}, {{bytes:requesters.email}}, ''::bytea, ''::bytea, NULL, NULL, '', false, false, '', ''::bytea, NULL, NULL, '', {{bytes:requesters.email_index}}, 'k1', '', '');
WITH head AS (INSERT INTO audit_heads (org_id, case_id, seq, hash) VALUES (:org_id, currval(pg_get_serial_sequence('cases', 'id')), 1, {{bytes:audit_events.hash}})) INSERT INTO audit_events (org_id, case_id, seq, at, actor, action, data, prev_hash, hash, key_id) VALUES (:org_id, currval(pg_get_serial_sequence('cases', 'id')), 1, now(), 'resident', 'received', jsonb_build_object('channel', 'api', 'rights', jsonb_build_array('access'), 'all_registers', true, 'registers', 0, 'lang', 'fi', 'received_at', now(), 'legal_due', current_date + 31, 'on_behalf', false, 'document_request', false), {{bytes:audit_events.prev_hash}}, {{bytes:audit_events.hash}}, 'k1');
INSERT INTO outbox (id, org_id, case_id, task_id, kind, to_addr, lang, subject, text_body, html_body, message_id, code_hash, code_ttl_secs, reply_to, in_reply_to, claimed_until) VALUES (nextval(pg_get_serial_sequence('outbox', 'id')), :org_id, currval(pg_get_serial_sequence('cases', 'id')), NULL, 'code', {{bytes:outbox.to_addr}}, 'fi', {{bytes:outbox.subject}}, {{bytes:outbox.text_body}}, {{bytes:outbox.html_body}}, '<outbox-' || currval(pg_get_serial_sequence('outbox', 'id')) || '.' || substr(md5(random()::text), 1, 12) || '@bench.test>', {{bytes:cases.code_hash}}, 1800, 'tietosuoja@bench.test', '', now() + interval '1 day');
\endpipeline
