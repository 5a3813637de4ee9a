-- Times are Unix milliseconds (UTC); 0 means unset.
CREATE TABLE domains (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	state      TEXT NOT NULL,
	paid       BOOLEAN NOT NULL DEFAULT FALSE,
	created_at INTEGER NOT NULL
);

CREATE TABLE projects (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	domain_id  TEXT NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	UNIQUE (domain_id, name)
);

CREATE TABLE users (
	id            TEXT PRIMARY KEY,
	domain_id     TEXT NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
	name          TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	admin         BOOLEAN NOT NULL DEFAULT FALSE,
	created_at    INTEGER NOT NULL,
	UNIQUE (domain_id, name)
);

CREATE TABLE credentials (
	ak          TEXT PRIMARY KEY,
	user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	domain_id   TEXT NOT NULL,
	sealed_sk   BLOB NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL
);
CREATE INDEX credentials_user ON credentials (user_id);

CREATE TABLE subscriptions (
	project_id TEXT NOT NULL,
	service    TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (project_id, service)
);

CREATE TABLE agencies (
	project_id TEXT NOT NULL,
	service    TEXT NOT NULL,
	PRIMARY KEY (project_id, service)
);

CREATE TABLE usage_records (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	project_id TEXT NOT NULL,
	user_id    TEXT NOT NULL,
	service    TEXT NOT NULL,
	api        TEXT NOT NULL,
	at         INTEGER NOT NULL,
	status     INTEGER NOT NULL,
	code       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX usage_records_project_at ON usage_records (project_id, at);

CREATE TABLE settings (
	project_id TEXT NOT NULL,
	key        TEXT NOT NULL,
	value      TEXT NOT NULL,
	PRIMARY KEY (project_id, key)
);

CREATE TABLE jobs (
	id                TEXT PRIMARY KEY,
	project_id        TEXT NOT NULL,
	user_id           TEXT NOT NULL,
	kind              TEXT NOT NULL,
	state             TEXT NOT NULL,
	request           BLOB,
	result            BLOB,
	error_code        TEXT NOT NULL DEFAULT '',
	error_msg         TEXT NOT NULL DEFAULT '',
	request_id        TEXT NOT NULL DEFAULT '',
	callback_url      TEXT NOT NULL DEFAULT '',
	seed              TEXT NOT NULL DEFAULT '',
	attempts          INTEGER NOT NULL DEFAULT 0,
	callback_state    TEXT NOT NULL DEFAULT '',
	callback_attempts INTEGER NOT NULL DEFAULT 0,
	callback_at       INTEGER NOT NULL DEFAULT 0,
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL,
	expires_at        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_queue ON jobs (state, created_at);
CREATE INDEX jobs_project ON jobs (project_id, state);
CREATE INDEX jobs_callbacks ON jobs (callback_state, callback_at);
CREATE INDEX jobs_expiry ON jobs (expires_at);

CREATE TABLE faults (
	id         TEXT PRIMARY KEY,
	project_id TEXT NOT NULL,
	api        TEXT NOT NULL,
	code       TEXT NOT NULL DEFAULT '',
	mode       TEXT NOT NULL,
	remaining  INTEGER NOT NULL DEFAULT 0,
	percent    INTEGER NOT NULL DEFAULT 0,
	latency_ms INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
);
CREATE INDEX faults_project ON faults (project_id, api);

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
