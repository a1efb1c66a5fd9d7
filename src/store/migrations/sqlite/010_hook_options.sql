-- Hook options (issue 17): custom headers, a payload filter, a rate limit and FIFO ordering.
-- Hooks that use none of them keep their defaults, and the claim reads nothing more for them.
ALTER TABLE hooks ADD COLUMN headers TEXT NOT NULL DEFAULT '{}';
ALTER TABLE hooks ADD COLUMN filter_schema TEXT;
ALTER TABLE hooks ADD COLUMN rate_limit INTEGER CHECK (rate_limit IS NULL OR rate_limit BETWEEN 1 AND 10000);
ALTER TABLE hooks ADD COLUMN ordering TEXT NOT NULL DEFAULT 'none' CHECK (ordering IN ('none', 'fifo'));
ALTER TABLE hooks ADD COLUMN ordering_key TEXT;

-- The FIFO queue a delivery of a `fifo` hook waits in: '' for the whole hook, else the value at
-- the hook's orderingKey. NULL for every other delivery. Only the oldest pending delivery of a
-- queue may be claimed (see src/delivery/fifo.ts); this index finds it.
ALTER TABLE deliveries ADD COLUMN order_key TEXT;
CREATE INDEX deliveries_fifo_idx ON deliveries (hook_id, order_key, id)
  WHERE status = 'pending' AND order_key IS NOT NULL;

-- Rate limits shared by every worker: the next free send slot of each limited hook, in
-- microseconds (GCRA; see src/domain/rate-limit.ts). No foreign key: a deleted hook's row is
-- harmless and is deleted with it.
CREATE TABLE hook_rate_slots (
  hook_id TEXT PRIMARY KEY,
  next_at_us INTEGER NOT NULL,
  -- How many sends the last admission let go (read back by the same statement).
  granted INTEGER NOT NULL DEFAULT 0
) STRICT;
