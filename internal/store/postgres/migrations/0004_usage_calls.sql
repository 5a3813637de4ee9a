-- A usage record may stand for several calls of the same outcome: refused
-- calls (throttled) are counted in memory and written as one record per
-- project, user, API, code and minute, so a flood of refusals neither
-- costs a row per call nor fills the disk.
ALTER TABLE usage_records ADD COLUMN calls BIGINT NOT NULL DEFAULT 1;
