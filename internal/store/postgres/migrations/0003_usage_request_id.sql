-- A usage record carries the request it meters, so writing it again (the
-- meter's journal replayed after a crash) never counts the call twice.
ALTER TABLE usage_records ADD COLUMN request_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX usage_records_request ON usage_records (request_id) WHERE request_id <> '';
