-- The slot engine's sweep (issue 18) looks every second for done slots whose pages have all been
-- tested and whose issues are not applied yet; it reads only recently finished slots, by this index.
CREATE INDEX monitor_slots_done_idx ON monitor_slots (finished_at) WHERE status = 'done';
