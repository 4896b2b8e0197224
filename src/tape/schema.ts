/** The tape store's SQLite schema. Bump SCHEMA_VERSION and add a migration when it changes. */

export const SCHEMA_VERSION = 1;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS tapes (
  id               INTEGER PRIMARY KEY,
  name             TEXT NOT NULL UNIQUE,
  created_at       TEXT NOT NULL,
  ended_at         TEXT,
  upstream         TEXT,            -- JSON: {"command": [...]} or {"url": "..."}
  transport        TEXT NOT NULL,
  client_info      TEXT,            -- JSON
  server_info      TEXT,            -- JSON
  protocol_version TEXT,
  labels           TEXT NOT NULL DEFAULT '{}',  -- JSON object
  redactions       TEXT NOT NULL DEFAULT '[]'   -- JSON array of the redaction rules in force
);

CREATE TABLE IF NOT EXISTS sessions (
  id               INTEGER PRIMARY KEY,
  tape_id          INTEGER NOT NULL REFERENCES tapes(id) ON DELETE CASCADE,
  session_key      TEXT NOT NULL,   -- the proxy's session id
  transport        TEXT NOT NULL,
  started_at       TEXT NOT NULL,
  ended_at         TEXT,
  protocol_version TEXT,
  client_info      TEXT,
  server_info      TEXT,
  client_capabilities TEXT,
  server_capabilities TEXT,
  UNIQUE (tape_id, session_key)
);

CREATE TABLE IF NOT EXISTS frames (
  id           INTEGER PRIMARY KEY,
  tape_id      INTEGER NOT NULL REFERENCES tapes(id) ON DELETE CASCADE,
  session_id   INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  seq          INTEGER NOT NULL,    -- order within the tape, from 1
  t_ms         REAL NOT NULL,       -- milliseconds since the tape started (monotonic clock)
  direction    TEXT NOT NULL CHECK (direction IN ('c2s', 's2c')),
  kind         TEXT NOT NULL,       -- request | notification | response | error | batch | invalid
  method       TEXT,                -- for responses: the method of the request answered
  jsonrpc_id   TEXT,                -- JSON text of the id, so 1 and "1" stay apart
  message      TEXT NOT NULL,       -- as sent on (redacted)
  original     TEXT,                -- as received, when an interceptor changed it (redacted)
  action       TEXT NOT NULL,       -- continue | modify | block | mock | pause>... | synthesized
  latency_ms   REAL,                -- responses: since the request was forwarded
  flags        TEXT,                -- JSON array, e.g. ["non-jsonrpc-output"]
  note         TEXT,
  redacted     TEXT,                -- JSON array of the paths whose values were replaced
  UNIQUE (tape_id, seq)
);

CREATE INDEX IF NOT EXISTS frames_by_method ON frames (tape_id, method);

-- Trusted tool, prompt and resource definitions of a server (mcp-tap baseline accept), by name.
-- Added without a version bump: older mcp-tap versions leave the table alone.
CREATE TABLE IF NOT EXISTS baselines (
  name             TEXT PRIMARY KEY,
  accepted_at      TEXT NOT NULL,
  document         TEXT NOT NULL    -- JSON: the baseline document (docs/tape-format.md)
);

-- A stdio conversation that was only a server/discover probe (an SDK client probing on a sibling
-- process): kept here, not as a tape, until the recording of the same upstream adopts it.
CREATE TABLE IF NOT EXISTS probes (
  id               INTEGER PRIMARY KEY,
  upstream         TEXT NOT NULL,   -- JSON of the tape's upstream, which the adopting tape must match
  started_at       TEXT NOT NULL,   -- wall clock when the probe's recording began (frames' t_ms count from it)
  frames           TEXT NOT NULL    -- JSON array of frames, as the recorder built them
);
`;
