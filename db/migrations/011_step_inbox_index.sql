-- The department inbox, measured by bench/inbox.ts (inbox-100k): its default query (a department's unfinished steps,
-- count and first page by deadline) read every unfinished row of the department from the heap to count them — 5,000
-- random heap pages for a department of 5,000 steps, 26 ms of the 0.3 ms page. This index is partial (unfinished steps
-- only: finished ones, most of a season's rows, are not in it) and covering (state and paused included), so the count is
-- an index-only scan and the page is read in its final order (department, deadline, step id) without a sort. The
-- overdue list of a department uses it too. The existing (department_code, deadline_at) index stays for the other
-- state filters of the inbox.
CREATE INDEX steps_department_unfinished ON steps (department_code, deadline_at, step_id) INCLUDE (state, paused)
  WHERE state IN ('open', 'signed', 'sent_back', 'awaiting_review');

-- Index-only scans stay index-only while the visibility map is current; the steps rows change with every recorded
-- event, so vacuum this table after 2% of it changed rather than the default 20%.
ALTER TABLE steps SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
