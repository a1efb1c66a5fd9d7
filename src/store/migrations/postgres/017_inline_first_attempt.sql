-- A first attempt that delivered is kept on its delivery's row (issue 19), not as an attempts
-- row: nearly every delivery succeeds at once, and the delivery is updated anyway, so this saves
-- a row, its primary key and attempts_delivery_id_idx per delivery. Its attempt_no is 1, its
-- error NULL, its delivery and tenant the row's own. NULL when the first attempt is an attempts
-- row (it failed, or the delivery was no longer leased by the worker that made it).
-- Nullable without a default: adding the columns rewrites nothing.
ALTER TABLE deliveries
  ADD COLUMN first_attempt_id TEXT,
  ADD COLUMN first_started_at BIGINT,
  ADD COLUMN first_duration_ms DOUBLE PRECISION,
  ADD COLUMN first_request_url TEXT,
  ADD COLUMN first_request_headers TEXT,
  ADD COLUMN first_response_status INTEGER,
  ADD COLUMN first_response_headers TEXT,
  ADD COLUMN first_response_body TEXT;
