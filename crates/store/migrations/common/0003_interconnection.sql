-- Portable to both dialects: applied as it is on SQLite and on PostgreSQL.
-- Campus interconnection: filings with the bureau, interconnections and their member
-- campuses, invitations, each campus's external directory, removal confirmations,
-- the audit log, and the mail outbox.

CREATE TABLE filings (
    id              TEXT PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,
    school_id       TEXT NOT NULL REFERENCES schools(id),
    filed_by        TEXT NOT NULL REFERENCES members(id),
    status          TEXT NOT NULL,
    reason          TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    decided_at      BIGINT,
    decided_by      TEXT REFERENCES members(id)
);
CREATE INDEX filings_school ON filings(school_id, status);

-- Numbering: one row per sequence (e.g. filings of a year), bumped under its row lock.
CREATE TABLE counters (
    name    TEXT PRIMARY KEY,
    value   BIGINT NOT NULL
);

CREATE TABLE filing_campuses (
    filing_id   TEXT NOT NULL REFERENCES filings(id),
    campus_id   TEXT NOT NULL REFERENCES campuses(id),
    PRIMARY KEY (filing_id, campus_id)
);
CREATE INDEX filing_campuses_campus ON filing_campuses(campus_id);

CREATE TABLE interconnections (
    id                  TEXT PRIMARY KEY,
    school_id           TEXT NOT NULL REFERENCES schools(id),
    initiator_campus_id TEXT NOT NULL REFERENCES campuses(id),
    name                TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    published_at        BIGINT,
    dissolved_at        BIGINT
);

CREATE TABLE interconnection_campuses (
    interconnection_id  TEXT NOT NULL REFERENCES interconnections(id),
    campus_id           TEXT NOT NULL REFERENCES campuses(id),
    joined_at           BIGINT NOT NULL,
    removed_at          BIGINT,
    show_phone          BIGINT NOT NULL DEFAULT 0,
    show_email          BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (interconnection_id, campus_id)
);
CREATE INDEX interconnection_campuses_campus ON interconnection_campuses(campus_id);

CREATE TABLE invitations (
    id                  TEXT PRIMARY KEY,
    interconnection_id  TEXT NOT NULL REFERENCES interconnections(id),
    token_hash          TEXT NOT NULL UNIQUE,
    created_by          TEXT NOT NULL REFERENCES members(id),
    created_at          BIGINT NOT NULL,
    expires_at          BIGINT NOT NULL,
    used_at             BIGINT,
    used_by_campus_id   TEXT REFERENCES campuses(id),
    revoked_at          BIGINT
);
CREATE INDEX invitations_interconnection ON invitations(interconnection_id);

CREATE TABLE exposed_departments (
    interconnection_id  TEXT NOT NULL REFERENCES interconnections(id),
    campus_id           TEXT NOT NULL REFERENCES campuses(id),
    department_id       TEXT NOT NULL REFERENCES departments(id),
    PRIMARY KEY (interconnection_id, campus_id, department_id)
);
CREATE INDEX exposed_departments_department ON exposed_departments(department_id);

CREATE TABLE exposed_members (
    interconnection_id  TEXT NOT NULL REFERENCES interconnections(id),
    campus_id           TEXT NOT NULL REFERENCES campuses(id),
    member_id           TEXT NOT NULL REFERENCES members(id),
    PRIMARY KEY (interconnection_id, campus_id, member_id)
);
CREATE INDEX exposed_members_member ON exposed_members(member_id);

CREATE TABLE confirmations (
    id                  TEXT PRIMARY KEY,
    token_hash          TEXT NOT NULL UNIQUE,
    member_id           TEXT NOT NULL REFERENCES members(id),
    action              TEXT NOT NULL,
    interconnection_id  TEXT NOT NULL REFERENCES interconnections(id),
    target_campus_id    TEXT NOT NULL REFERENCES campuses(id),
    created_at          BIGINT NOT NULL,
    expires_at          BIGINT NOT NULL,
    approved_at         BIGINT,
    used_at             BIGINT
);

CREATE TABLE audit_log (
    id                  TEXT PRIMARY KEY,
    at                  BIGINT NOT NULL,
    actor_id            TEXT,
    actor_login         TEXT NOT NULL,
    action              TEXT NOT NULL,
    interconnection_id  TEXT,
    detail              TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log(at);

CREATE TABLE audit_campuses (
    audit_id    TEXT NOT NULL REFERENCES audit_log(id),
    campus_id   TEXT NOT NULL,
    PRIMARY KEY (campus_id, audit_id)
);

CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    sent_at         BIGINT,
    last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mail_outbox_due ON mail_outbox(sent_at, next_attempt_at);
