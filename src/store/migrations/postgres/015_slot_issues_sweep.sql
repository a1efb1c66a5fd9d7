-- The slot engine's sweep (issue 18) looks every second for done slots whose pages have all been
-- tested and whose issues are not applied yet; it reads only recently finished slots, by this index.
CREATE INDEX monitor_slots_done_idx ON monitor_slots (finished_at) WHERE status = 'done';

-- How many issues were open once a slot was applied: the console's trend of open issues per slot,
-- and `openIssues` on the API's slots.
ALTER TABLE monitor_issue_slots ADD COLUMN open_issues INTEGER;

-- A failed slot (its sign-in or crawl failed) is announced as site.updated; announced_at is set
-- once it was, and the sweep announces what a worker killed in between did not. Slots that
-- failed before this migration count as announced.
ALTER TABLE monitor_slots ADD COLUMN announced_at BIGINT;
UPDATE monitor_slots SET announced_at = COALESCE(finished_at, claimed_at) WHERE status = 'failed';
CREATE INDEX monitor_slots_unannounced_idx ON monitor_slots (finished_at)
  WHERE status = 'failed' AND announced_at IS NULL;
