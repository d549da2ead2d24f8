-- Statistics refresh at scale (issue 21, branch demofast): stats_source's
-- on_time looks, for every answered case, for the last event of its chain
-- whose data has 'on_time'. Through audit_events_case_seq that read every
-- event of every answered case (868,137 probes, 4.4M buffers, 16.7 s of a
-- full refresh at 1M demo cases). Only answer events carry on_time, so this
-- partial index is small and each probe reads one page: 6.6 s. Intake
-- does not enter it (its events have no on_time).
CREATE INDEX audit_events_on_time ON audit_events (case_id, seq) WHERE data ? 'on_time';
