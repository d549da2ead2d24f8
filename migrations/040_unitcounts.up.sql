-- The dashboard's band counts with a unit filter at a million cases (issue
-- 21, docs/scale.md 18): the unit (yksikkö) of a case comes from its tasks'
-- registers, outside the other maintained tables' keys, so the count probed
-- the tasks of every open case (1.3-2.2 s at 1M against 0.1 s at 10k).
--
-- open_unit_counts holds, per (organisation, unit, right, state, channel,
-- due), the open cases the dashboard lists (open_due_counts' cases) that
-- have a task (any state) in a register of the unit: a case of two units
-- counts under each, once per unit however many of its tasks are there.
-- "right" = '' is the row of every such case (the unit filter alone); one
-- row more per distinct right of the case (unit and right filters). Same
-- design as 032/035: delta rows (+1/-1) INSERTed by triggers, never
-- UPDATEd, no unique key, count = sum(n), folded by the sweep's
-- compaction, rebuilt by store.RebuildMaintainedCounts.
--
-- A case's task is counted when its org_id is the case's and its register
-- is of the task's organisation (the dashboard's unit filter joins
-- registers on g.org_id = t.org_id).
--
-- What moves a (case, unit) pair and who writes its deltas:
--   - tasks INSERT / DELETE / UPDATE (register, case, organisation): a
--     statement trigger per event, with the statement's rows (transition
--     tables), so a statement inserting two tasks of one case in one unit
--     adds the pair once. It takes the organisation's unit lock shared,
--     then locks the affected cases' rows FOR SHARE (a case's updates and
--     its task writers take turns, each sees the other's committed tasks
--     and key) and an advisory lock per case (two task writers of one case
--     take turns); a task in a register of no unit stops after the unit
--     lock;
--   - cases UPDATE of the counted key (state, channel, dates, rights,
--     confirmation, triage, organisation) of a case with tasks: a row
--     trigger (the WHEN clause keeps other updates away from plpgsql), the
--     case row already locked by the update, the unit lock shared;
--   - cases DELETE: BEFORE the row goes (its tasks cascade after it and
--     then find no case);
--   - registers UPDATE of unit_id or org_id (also a unit deleted: ON
--     DELETE SET NULL): a statement trigger taking the organisation's unit
--     lock exclusively, so no task or case writer of the organisation is
--     between its reading and its writing; it walks the organisation's open
--     cases (cases_org_state_urgent) with a task in a moved register.
-- Nothing runs on cases INSERT: a new case has no tasks (the intake path
-- does not change).

CREATE TABLE open_unit_counts (
    org_id  bigint NOT NULL,
    unit_id bigint NOT NULL,
    "right" text   NOT NULL,
    state   text   NOT NULL,
    channel text   NOT NULL,
    due     date   NOT NULL,
    n       bigint NOT NULL CHECK (n <> 0)
);

CREATE INDEX open_unit_counts_key ON open_unit_counts (org_id, unit_id, "right", state, channel, due) INCLUDE (n);

-- open_unit_counts_add inserts delta d for every (case, unit) pair in
-- pairs (case id, unit id) of a case in the dashboard's open scope, at the
-- case's key as it is now: the '' row and one per distinct right.
CREATE FUNCTION open_unit_counts_add(case_ids bigint[], unit_ids bigint[], d int) RETURNS void LANGUAGE sql AS $$
    INSERT INTO open_unit_counts (org_id, unit_id, "right", state, channel, due, n)
    SELECT c.org_id, p.unit_id, r.r, c.state, c.channel, coalesce(c.urgent_due, c.extended_due, c.legal_due), d
    FROM unnest(case_ids, unit_ids) AS p(case_id, unit_id)
    JOIN cases c ON c.id = p.case_id
    CROSS JOIN LATERAL (SELECT '' UNION SELECT x FROM unnest(c.rights) x WHERE x IS NOT NULL) AS r(r)
    WHERE c.state IN ('received', 'awaiting_identity', 'in_progress', 'answer_ready', 'paused')
      AND (c.confirmed_at IS NOT NULL OR c.needs_triage)
$$;

-- Tasks (statement triggers, with the statement's rows). A statement adding
-- tasks gains the (case, unit) pairs of its new rows whose case has no
-- other task in the unit; one removing tasks loses the pairs of its old rows
-- whose case has no task left in the unit. Each takes the organisation's
-- unit lock shared first (a register's unit then stays as read until
-- commit), returns at once when no row is in a unit's register, and then
-- locks the cases: FOR SHARE waits for an update of the case and holds the
-- next one off until commit (tasks_case_due takes it too on INSERT: no new
-- conflict there), the case's advisory lock orders two task writers of one
-- case. Every statement after the locks reads afresh (its own snapshot), so
-- it sees what the writers it waited for committed. A deleted case (its
-- tasks cascading) is not found: its BEFORE DELETE trigger took its pairs.
-- An update of register, case or organisation (rare; answers, owners and
-- states leave at the first statement) compares the units of the affected
-- cases before the statement (the tasks now, less its new rows, plus its
-- old rows) and after it.
CREATE FUNCTION open_unit_counts_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cs bigint[];
    new_ids bigint[];
    old_case bigint[];
    old_org bigint[];
    old_reg bigint[];
    gained_c bigint[];
    gained_u bigint[];
    lost_c bigint[];
    lost_u bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM pg_advisory_xact_lock_shared(7265, (o % 2147483648)::int)
        FROM (SELECT DISTINCT org_id FROM new_rows) AS x(o) ORDER BY o;
        SELECT array_agg(DISTINCT n.case_id) INTO cs FROM new_rows n
        JOIN registers g ON g.id = n.register_id AND g.org_id = n.org_id WHERE g.unit_id IS NOT NULL;
        IF cs IS NULL THEN
            RETURN NULL;
        END IF;
        PERFORM pg_advisory_xact_lock(7266, (c % 2147483648)::int)
        FROM (SELECT id FROM cases WHERE id = ANY(cs) ORDER BY id FOR SHARE) AS x(c) ORDER BY c;
        INSERT INTO open_unit_counts (org_id, unit_id, "right", state, channel, due, n)
        SELECT c.org_id, p.unit_id, r.r, c.state, c.channel, coalesce(c.urgent_due, c.extended_due, c.legal_due), 1
        FROM (SELECT DISTINCT n.case_id, n.org_id, g.unit_id FROM new_rows n
              JOIN registers g ON g.id = n.register_id AND g.org_id = n.org_id
              WHERE g.unit_id IS NOT NULL AND NOT EXISTS (
                  SELECT FROM tasks t JOIN registers h ON h.id = t.register_id AND h.org_id = t.org_id
                  WHERE t.case_id = n.case_id AND t.org_id = n.org_id AND h.unit_id = g.unit_id
                    AND NOT EXISTS (SELECT FROM new_rows m WHERE m.id = t.id))) AS p
        JOIN cases c ON c.id = p.case_id AND c.org_id = p.org_id
        CROSS JOIN LATERAL (SELECT '' UNION SELECT x FROM unnest(c.rights) x WHERE x IS NOT NULL) AS r(r)
        WHERE c.state IN ('received', 'awaiting_identity', 'in_progress', 'answer_ready', 'paused')
          AND (c.confirmed_at IS NOT NULL OR c.needs_triage);
        RETURN NULL;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_advisory_xact_lock_shared(7265, (o % 2147483648)::int)
        FROM (SELECT DISTINCT org_id FROM old_rows) AS x(o) ORDER BY o;
        SELECT array_agg(DISTINCT o.case_id) INTO cs FROM old_rows o
        JOIN registers g ON g.id = o.register_id AND g.org_id = o.org_id WHERE g.unit_id IS NOT NULL;
        IF cs IS NULL THEN
            RETURN NULL;
        END IF;
        PERFORM pg_advisory_xact_lock(7266, (c % 2147483648)::int)
        FROM (SELECT id FROM cases WHERE id = ANY(cs) ORDER BY id FOR SHARE) AS x(c) ORDER BY c;
        INSERT INTO open_unit_counts (org_id, unit_id, "right", state, channel, due, n)
        SELECT c.org_id, p.unit_id, r.r, c.state, c.channel, coalesce(c.urgent_due, c.extended_due, c.legal_due), -1
        FROM (SELECT DISTINCT o.case_id, o.org_id, g.unit_id FROM old_rows o
              JOIN registers g ON g.id = o.register_id AND g.org_id = o.org_id
              WHERE g.unit_id IS NOT NULL AND NOT EXISTS (
                  SELECT FROM tasks t JOIN registers h ON h.id = t.register_id AND h.org_id = t.org_id
                  WHERE t.case_id = o.case_id AND t.org_id = o.org_id AND h.unit_id = g.unit_id)) AS p
        JOIN cases c ON c.id = p.case_id AND c.org_id = p.org_id
        CROSS JOIN LATERAL (SELECT '' UNION SELECT x FROM unnest(c.rights) x WHERE x IS NOT NULL) AS r(r)
        WHERE c.state IN ('received', 'awaiting_identity', 'in_progress', 'answer_ready', 'paused')
          AND (c.confirmed_at IS NOT NULL OR c.needs_triage);
        RETURN NULL;
    END IF;
    -- UPDATE: only rows whose register, case or organisation changed.
    SELECT array_agg(DISTINCT x) INTO cs FROM old_rows o JOIN new_rows n USING (id),
        LATERAL (VALUES (o.case_id), (n.case_id)) v(x)
    WHERE (o.case_id, o.org_id, o.register_id) IS DISTINCT FROM (n.case_id, n.org_id, n.register_id);
    IF cs IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT array_agg(id) INTO new_ids FROM new_rows;
    SELECT array_agg(case_id), array_agg(org_id), array_agg(register_id)
    INTO old_case, old_org, old_reg FROM old_rows;
    PERFORM pg_advisory_xact_lock_shared(7265, (o % 2147483648)::int)
    FROM (SELECT DISTINCT org_id FROM cases WHERE id = ANY(cs)) AS x(o) ORDER BY o;
    PERFORM pg_advisory_xact_lock(7266, (c % 2147483648)::int)
    FROM (SELECT id FROM cases WHERE id = ANY(cs) ORDER BY id FOR SHARE) AS x(c) ORDER BY c;
    WITH c AS (SELECT id, org_id FROM cases WHERE id = ANY(cs)),
    after AS (
        SELECT DISTINCT t.case_id, g.unit_id FROM c
        JOIN tasks t ON t.case_id = c.id AND t.org_id = c.org_id
        JOIN registers g ON g.id = t.register_id AND g.org_id = t.org_id
        WHERE g.unit_id IS NOT NULL),
    before AS (
        SELECT DISTINCT x.case_id, g.unit_id FROM c
        JOIN (SELECT t.case_id, t.org_id, t.register_id FROM tasks t
                WHERE t.case_id = ANY(cs) AND NOT t.id = ANY(new_ids)
              UNION ALL
              SELECT * FROM unnest(old_case, old_org, old_reg)) AS x(case_id, org_id, register_id)
            ON x.case_id = c.id AND x.org_id = c.org_id
        JOIN registers g ON g.id = x.register_id AND g.org_id = x.org_id
        WHERE g.unit_id IS NOT NULL),
    gained AS (SELECT * FROM after EXCEPT SELECT * FROM before),
    lost AS (SELECT * FROM before EXCEPT SELECT * FROM after)
    SELECT (SELECT array_agg(case_id) FROM gained), (SELECT array_agg(unit_id) FROM gained),
           (SELECT array_agg(case_id) FROM lost), (SELECT array_agg(unit_id) FROM lost)
    INTO gained_c, gained_u, lost_c, lost_u;
    IF gained_c IS NOT NULL THEN
        PERFORM open_unit_counts_add(gained_c, gained_u, 1);
    END IF;
    IF lost_c IS NOT NULL THEN
        PERFORM open_unit_counts_add(lost_c, lost_u, -1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER tasks_open_unit_counts_ins AFTER INSERT ON tasks
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION open_unit_counts_tasks();
CREATE TRIGGER tasks_open_unit_counts_del AFTER DELETE ON tasks
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION open_unit_counts_tasks();
CREATE TRIGGER tasks_open_unit_counts_upd AFTER UPDATE ON tasks
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION open_unit_counts_tasks();

-- Cases: a change of the counted key moves the case's pairs from the old
-- key to the new one (the tasks and registers are the same on both sides;
-- the organisation may differ).
CREATE FUNCTION open_unit_counts_case() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    old_in boolean;
    new_in boolean := false;
    new_org bigint;
    old_due date;
BEGIN
    old_in := OLD.state IN ('received', 'awaiting_identity', 'in_progress', 'answer_ready', 'paused')
        AND (OLD.confirmed_at IS NOT NULL OR OLD.needs_triage);
    IF TG_OP = 'UPDATE' THEN
        new_in := NEW.state IN ('received', 'awaiting_identity', 'in_progress', 'answer_ready', 'paused')
            AND (NEW.confirmed_at IS NOT NULL OR NEW.needs_triage);
        new_org := NEW.org_id;
    END IF;
    IF NOT old_in AND NOT new_in THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NULL;
    END IF;
    IF NOT EXISTS (SELECT FROM tasks WHERE case_id = OLD.id) THEN
        -- No task, no pair (a task writer waits for this row's lock, then
        -- reads the case as it is).
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock_shared(7265, (o % 2147483648)::int)
    FROM (SELECT DISTINCT o FROM unnest(ARRAY[OLD.org_id, new_org]) o WHERE o IS NOT NULL ORDER BY 1) AS x;
    IF old_in THEN
        old_due := coalesce(OLD.urgent_due, OLD.extended_due, OLD.legal_due);
        INSERT INTO open_unit_counts (org_id, unit_id, "right", state, channel, due, n)
        SELECT OLD.org_id, u.unit_id, r.r, OLD.state, OLD.channel, old_due, -1
        FROM (SELECT DISTINCT g.unit_id FROM tasks t JOIN registers g ON g.id = t.register_id AND g.org_id = t.org_id
              WHERE t.case_id = OLD.id AND t.org_id = OLD.org_id AND g.unit_id IS NOT NULL) u
        CROSS JOIN (SELECT '' UNION SELECT x FROM unnest(OLD.rights) x WHERE x IS NOT NULL) AS r(r);
    END IF;
    IF new_in THEN
        INSERT INTO open_unit_counts (org_id, unit_id, "right", state, channel, due, n)
        SELECT NEW.org_id, u.unit_id, r.r, NEW.state, NEW.channel, coalesce(NEW.urgent_due, NEW.extended_due, NEW.legal_due), 1
        FROM (SELECT DISTINCT g.unit_id FROM tasks t JOIN registers g ON g.id = t.register_id AND g.org_id = t.org_id
              WHERE t.case_id = NEW.id AND t.org_id = NEW.org_id AND g.unit_id IS NOT NULL) u
        CROSS JOIN (SELECT '' UNION SELECT x FROM unnest(NEW.rights) x WHERE x IS NOT NULL) AS r(r);
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER cases_open_unit_counts AFTER UPDATE ON cases FOR EACH ROW
    WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.channel IS DISTINCT FROM NEW.channel
        OR OLD.org_id IS DISTINCT FROM NEW.org_id OR OLD.rights IS DISTINCT FROM NEW.rights
        OR OLD.urgent_due IS DISTINCT FROM NEW.urgent_due OR OLD.extended_due IS DISTINCT FROM NEW.extended_due
        OR OLD.legal_due IS DISTINCT FROM NEW.legal_due OR (OLD.confirmed_at IS NULL) <> (NEW.confirmed_at IS NULL)
        OR OLD.needs_triage IS DISTINCT FROM NEW.needs_triage)
    EXECUTE FUNCTION open_unit_counts_case();
CREATE TRIGGER cases_open_unit_counts_del BEFORE DELETE ON cases FOR EACH ROW
    EXECUTE FUNCTION open_unit_counts_case();

-- Registers: a register moved to another unit (or organisation) moves the
-- pairs of the open cases with a task in it. Before: the moved registers
-- as they were (old_regs), the others as they are.
CREATE FUNCTION open_unit_counts_registers() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    moved bigint[];
    orgs bigint[];
    gained_c bigint[];
    gained_u bigint[];
    lost_c bigint[];
    lost_u bigint[];
BEGIN
    SELECT array_agg(o.id), array_agg(DISTINCT x) INTO moved, orgs
    FROM old_regs o JOIN new_regs n USING (id), LATERAL (VALUES (o.org_id), (n.org_id)) v(x)
    WHERE (o.unit_id, o.org_id) IS DISTINCT FROM (n.unit_id, n.org_id);
    IF moved IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock(7265, (o % 2147483648)::int) FROM unnest(orgs) o ORDER BY o;
    WITH c AS (
        SELECT c.id, c.org_id FROM cases c
        WHERE c.org_id = ANY(orgs) AND c.state IN ('received', 'awaiting_identity', 'in_progress', 'answer_ready', 'paused')
          AND (c.confirmed_at IS NOT NULL OR c.needs_triage)
          AND EXISTS (SELECT FROM tasks t WHERE t.case_id = c.id AND t.register_id = ANY(moved))),
    t AS (SELECT t.case_id, t.org_id, t.register_id FROM c JOIN tasks t ON t.case_id = c.id AND t.org_id = c.org_id),
    after AS (
        SELECT DISTINCT t.case_id, g.unit_id FROM t JOIN registers g ON g.id = t.register_id AND g.org_id = t.org_id
        WHERE g.unit_id IS NOT NULL),
    before AS (
        SELECT DISTINCT t.case_id, g.unit_id FROM t
        JOIN (SELECT id, org_id, unit_id FROM registers WHERE NOT id = ANY(moved)
              UNION ALL SELECT id, org_id, unit_id FROM old_regs) AS g ON g.id = t.register_id AND g.org_id = t.org_id
        WHERE g.unit_id IS NOT NULL),
    gained AS (SELECT * FROM after EXCEPT SELECT * FROM before),
    lost AS (SELECT * FROM before EXCEPT SELECT * FROM after)
    SELECT (SELECT array_agg(case_id) FROM gained), (SELECT array_agg(unit_id) FROM gained),
           (SELECT array_agg(case_id) FROM lost), (SELECT array_agg(unit_id) FROM lost)
    INTO gained_c, gained_u, lost_c, lost_u;
    IF gained_c IS NOT NULL THEN
        PERFORM open_unit_counts_add(gained_c, gained_u, 1);
    END IF;
    IF lost_c IS NOT NULL THEN
        PERFORM open_unit_counts_add(lost_c, lost_u, -1);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER registers_open_unit_counts AFTER UPDATE ON registers
    REFERENCING OLD TABLE AS old_regs NEW TABLE AS new_regs FOR EACH STATEMENT EXECUTE FUNCTION open_unit_counts_registers();

INSERT INTO open_unit_counts (org_id, unit_id, "right", state, channel, due, n)
SELECT c.org_id, u.unit_id, r.r, c.state, c.channel, coalesce(c.urgent_due, c.extended_due, c.legal_due), count(*)
FROM cases c
CROSS JOIN LATERAL (SELECT DISTINCT g.unit_id FROM tasks t JOIN registers g ON g.id = t.register_id AND g.org_id = t.org_id
                    WHERE t.case_id = c.id AND t.org_id = c.org_id AND g.unit_id IS NOT NULL) u
CROSS JOIN LATERAL (SELECT '' UNION SELECT x FROM unnest(c.rights) x WHERE x IS NOT NULL) AS r(r)
WHERE c.state IN ('received', 'awaiting_identity', 'in_progress', 'answer_ready', 'paused')
  AND (c.confirmed_at IS NOT NULL OR c.needs_triage)
GROUP BY 1, 2, 3, 4, 5, 6;
