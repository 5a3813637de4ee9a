-- Project-owned configuration objects (glossaries, templates, galleries,
-- policies…): one table, the body is the owner package's JSON.
CREATE TABLE resources (
	id         TEXT PRIMARY KEY,
	kind       TEXT NOT NULL,
	owner      TEXT NOT NULL,
	name       TEXT NOT NULL,
	body       BYTEA NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	UNIQUE (kind, owner, name)
);
