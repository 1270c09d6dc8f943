-- Portable to both dialects: applied as it is on SQLite and on PostgreSQL.
-- Registry, accounts, directory and sessions. Ids are TEXT (UUIDv7), times BIGINT
-- milliseconds since the epoch, so SQLite and PostgreSQL read the same values.

CREATE TABLE schools (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL,
    code_key    TEXT NOT NULL UNIQUE,
    name_zh     TEXT NOT NULL,
    name_pt     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE campuses (
    id          TEXT PRIMARY KEY,
    school_id   TEXT NOT NULL REFERENCES schools(id),
    code        TEXT NOT NULL,
    code_key    TEXT NOT NULL UNIQUE,
    name_zh     TEXT NOT NULL,
    name_pt     TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX campuses_school ON campuses(school_id);

CREATE TABLE members (
    id              TEXT PRIMARY KEY,
    campus_id       TEXT REFERENCES campuses(id),
    login           TEXT NOT NULL UNIQUE,
    role            TEXT NOT NULL,
    status          TEXT NOT NULL,
    name_zh         TEXT NOT NULL,
    name_pt         TEXT NOT NULL,
    title           TEXT NOT NULL,
    phone           TEXT NOT NULL,
    email           TEXT NOT NULL,
    staff_no        TEXT NOT NULL,
    password_hash   TEXT,
    failed_logins   BIGINT NOT NULL DEFAULT 0,
    locked_until    BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX members_campus_name ON members(campus_id, name_zh);

CREATE TABLE departments (
    id          TEXT PRIMARY KEY,
    campus_id   TEXT NOT NULL REFERENCES campuses(id),
    parent_id   TEXT REFERENCES departments(id),
    name_zh     TEXT NOT NULL,
    name_pt     TEXT NOT NULL,
    position    BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX departments_campus ON departments(campus_id, parent_id, position);

CREATE TABLE member_departments (
    member_id       TEXT NOT NULL REFERENCES members(id),
    department_id   TEXT NOT NULL REFERENCES departments(id),
    PRIMARY KEY (member_id, department_id)
);
CREATE INDEX member_departments_department ON member_departments(department_id);

CREATE TABLE sessions (
    token_hash      TEXT PRIMARY KEY,
    member_id       TEXT NOT NULL REFERENCES members(id),
    csrf_token      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL
);
CREATE INDEX sessions_member ON sessions(member_id);
