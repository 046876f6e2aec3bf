"""The schema: every table's DDL in one place, applied as named forward migrations (sqlite-utils 4).

A migration, once released, is never edited: a change to the schema is a new migration at the end.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from .transaction import write_transaction

migrations = Migrations("dsa_monitor")

SERUM_TREATMENTS = ("neat", "EDTA", "DTT", "heat", "dilution")
DONOR_KINDS = ("cord", "living", "deceased", "other")
EXPOSURE_KINDS = ("infusion", "transplant")
DRAW_DATE_SOURCES = ("file", "manifest", "run_date")

INITIAL_DDL = f"""
CREATE TABLE studies (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    visit_schedule TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(visit_schedule)),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE recipients (
    id INTEGER PRIMARY KEY,
    study_id INTEGER NOT NULL REFERENCES studies(id),
    subject_code TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (study_id, subject_code)
);
-- The lab's patient IDs for a recipient: how uploaded samples find their recipient.
CREATE TABLE recipient_lab_ids (
    id INTEGER PRIMARY KEY,
    recipient_id INTEGER NOT NULL REFERENCES recipients(id),
    study_id INTEGER NOT NULL REFERENCES studies(id),
    lab_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (study_id, lab_id)
);
CREATE INDEX recipient_lab_ids_lab_id ON recipient_lab_ids(lab_id);
CREATE TABLE donors (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN {DONOR_KINDS!r}),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
-- Versioned: a change adds a version, earlier versions stay.
CREATE TABLE typings (
    id INTEGER PRIMARY KEY,
    owner_kind TEXT NOT NULL CHECK (owner_kind IN ('recipient', 'donor')),
    owner_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    gl_string TEXT NOT NULL,
    typing_json TEXT NOT NULL CHECK (json_valid(typing_json)),
    reference_release TEXT,
    source TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (owner_kind, owner_id, version)
);
CREATE TABLE exposures (
    id INTEGER PRIMARY KEY,
    recipient_id INTEGER NOT NULL REFERENCES recipients(id),
    date TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN {EXPOSURE_KINDS!r}),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX exposures_recipient ON exposures(recipient_id);
CREATE TABLE exposure_donors (
    exposure_id INTEGER NOT NULL REFERENCES exposures(id),
    donor_id INTEGER NOT NULL REFERENCES donors(id),
    PRIMARY KEY (exposure_id, donor_id)
) WITHOUT ROWID;
-- Uploaded bytes, addressed by content: the same file is kept once however often it arrives.
CREATE TABLE files (
    sha256 TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE uploads (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL,
    file_name TEXT NOT NULL,
    size INTEGER NOT NULL,
    format TEXT,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('stored', 'rejected')),
    error TEXT CHECK (error IS NULL OR json_valid(error)),
    summary TEXT CHECK (summary IS NULL OR json_valid(summary))
);
CREATE UNIQUE INDEX uploads_stored_sha256 ON uploads(sha256) WHERE outcome = 'stored';
CREATE TABLE samples (
    id INTEGER PRIMARY KEY,
    recipient_id INTEGER NOT NULL REFERENCES recipients(id),
    upload_id INTEGER NOT NULL REFERENCES uploads(id),
    lab_sample_id TEXT NOT NULL,
    patient_id TEXT,
    draw_date TEXT NOT NULL,
    draw_date_source TEXT NOT NULL CHECK (draw_date_source IN {DRAW_DATE_SOURCES!r}),
    run_date TEXT,
    vendor TEXT,
    kit TEXT,
    lot TEXT,
    hla_class TEXT CHECK (hla_class IS NULL OR hla_class IN ('I', 'II')),
    qc_status TEXT NOT NULL CHECK (qc_status IN ('pass', 'warn', 'fail')),
    qc_reasons TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(qc_reasons)),
    excluded INTEGER NOT NULL DEFAULT 0,  -- 1: not used for DSA calls (QC failed)
    serum_treatment TEXT NOT NULL DEFAULT 'neat' CHECK (serum_treatment IN {SERUM_TREATMENTS!r}),
    bead_count INTEGER NOT NULL,
    warnings TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(warnings)),
    well TEXT,
    superseded_by INTEGER REFERENCES samples(id),
    created_at TEXT NOT NULL
);
CREATE INDEX samples_recipient ON samples(recipient_id, draw_date);
CREATE INDEX samples_upload ON samples(upload_id);
CREATE INDEX samples_identity ON samples(lab_sample_id, hla_class, lot, serum_treatment)
    WHERE superseded_by IS NULL;
-- One row per bead, in catalogue (file) order: queryable, and loadable as one vector per sample.
CREATE TABLE bead_results (
    sample_id INTEGER NOT NULL REFERENCES samples(id),
    position INTEGER NOT NULL,
    bead_id TEXT NOT NULL,
    specificity TEXT NOT NULL,  -- allele names joined by ','
    serology TEXT,
    raw_mfi REAL,
    normalized_mfi REAL,
    bcm REAL,
    bcr REAL,
    ad_bcr REAL,
    ad_bcm REAL,
    count INTEGER,
    vendor_assignment TEXT,
    control TEXT,
    extra TEXT CHECK (extra IS NULL OR json_valid(extra)),
    PRIMARY KEY (sample_id, position)
) WITHOUT ROWID;
CREATE TABLE catalogues (
    id INTEGER PRIMARY KEY,
    vendor TEXT NOT NULL,
    kit TEXT NOT NULL,
    lot TEXT NOT NULL,
    lot_key TEXT NOT NULL UNIQUE,  -- CatalogueRegistry.key(lot): how result files find it
    hla_class TEXT NOT NULL CHECK (hla_class IN ('I', 'II')),
    qc_limits TEXT NOT NULL DEFAULT '{{}}' CHECK (json_valid(qc_limits)),
    registered_at TEXT NOT NULL,
    registered_by TEXT NOT NULL
);
CREATE TABLE catalogue_beads (
    catalogue_id INTEGER NOT NULL REFERENCES catalogues(id),
    position INTEGER NOT NULL,
    bead_id TEXT NOT NULL,
    specificity TEXT NOT NULL,
    serology TEXT,
    control TEXT,
    cutoff REAL,
    rad REAL,
    background_mfi REAL,
    lra_group TEXT,
    region TEXT,
    epitopes TEXT NOT NULL DEFAULT '',  -- public epitopes (Bw4, Bw6) joined by ','
    PRIMARY KEY (catalogue_id, position)
) WITHOUT ROWID;
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id INTEGER,
    details TEXT NOT NULL DEFAULT '{{}}' CHECK (json_valid(details))
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
"""


@migrations()
def m001_initial(db: Database) -> None:
    """Studies, recipients, donors, typings, exposures, uploads, samples, beads, lots, audit."""
    db.executescript(INITIAL_DDL)


MFI_VECTORS_DDL = """
-- The distinct bead orders samples were read in: [[bead ID, specificity], ...] in catalogue order.
CREATE TABLE bead_panels (
    id INTEGER PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    beads TEXT NOT NULL CHECK (json_valid(beads))
);
-- A sample's values packed as little-endian float32, kinds × beads (store.mfi.VALUE_KINDS order).
CREATE TABLE mfi_vectors (
    sample_id INTEGER PRIMARY KEY REFERENCES samples(id),
    panel_id INTEGER NOT NULL REFERENCES bead_panels(id),
    data BLOB NOT NULL
);
"""


@migrations()
def m002_mfi_vectors(db: Database) -> None:
    """Pack each sample's bead values as one BLOB, filling it for the samples already stored."""
    from .mfi import VALUE_COLUMNS, pack_sample

    db.executescript(MFI_VECTORS_DDL)
    columns = ", ".join(VALUE_COLUMNS.values())
    sample_ids = [row[0] for row in db.conn.execute("SELECT id FROM samples ORDER BY id")]
    for sample_id in sample_ids:
        rows = db.conn.execute(
            f"SELECT bead_id, specificity, {columns} FROM bead_results WHERE sample_id = ? ORDER BY position",
            (sample_id,),
        ).fetchall()
        pack_sample(db, sample_id, [row[:2] for row in rows], [row[2:] for row in rows])


API_TOKENS_DDL = """
-- Bearer tokens of the HTTP API: only the secret's sha256 is kept; revoked tokens stay (audit).
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('lab', 'clinician', 'integration', 'admin')),
    study_id INTEGER REFERENCES studies(id),  -- NULL: every study
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at TEXT,
    revoked_by TEXT
);
CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens(name) WHERE revoked_at IS NULL;
"""


@migrations()
def m003_api_tokens(db: Database) -> None:
    """API tokens: name, role, optional study scope, the secret's digest, revocation."""
    db.executescript(API_TOKENS_DDL)


def migrate(db: Database) -> list[str]:
    """Apply every pending migration in one IMMEDIATE transaction; return the names applied."""
    with write_transaction(db):
        pending = [m.name for m in migrations.pending(db)]
        migrations.apply(db)
        db.conn.execute(f"PRAGMA user_version = {len(migrations.applied(db))}")
    return pending


def all_migrations() -> list[str]:
    """The names of every migration this version of the code knows, in the order they apply."""
    return [m.name for m in migrations.pending(Database(memory=True))]


def schema_version(db: Database) -> list[str]:
    """The names of the migrations this database has, in the order they were applied."""
    return [m.name for m in migrations.applied(db)]


ALERTS_DDL = """
-- What an evaluation changed, once per fact: key = kind|recipient|donor|antigen|visit (#2, #3...
-- when a fact withdrawn by a correction is established again).
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    recipient_id INTEGER NOT NULL REFERENCES recipients(id),
    donor_id INTEGER REFERENCES donors(id),
    antigen TEXT NOT NULL DEFAULT '',
    visit TEXT NOT NULL DEFAULT '',
    sample_id INTEGER REFERENCES samples(id),
    payload TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
    corrects INTEGER REFERENCES events(id),  -- a correction: the event it withdraws
    withdrawn_by INTEGER REFERENCES events(id),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by TEXT,
    reminded_at TEXT
);
CREATE INDEX events_recipient ON events(recipient_id, created_at);
CREATE INDEX events_unacknowledged ON events(kind, created_at) WHERE acknowledged_at IS NULL;
-- An e-mail address that wants some kinds of event of a study or of one recipient.
CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    study_id INTEGER REFERENCES studies(id),
    recipient_id INTEGER REFERENCES recipients(id),
    kinds TEXT NOT NULL CHECK (json_valid(kinds)),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    CHECK ((study_id IS NULL) <> (recipient_id IS NULL))
);
CREATE UNIQUE INDEX subscriptions_scope
    ON subscriptions(email, coalesce(study_id, 0), coalesce(recipient_id, 0));
-- Rendered e-mails, written in the event's transaction; delivery moves them through their states.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events(id),
    purpose TEXT NOT NULL CHECK (purpose IN ('alert', 'reminder')),
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'retry', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    possible_duplicate INTEGER NOT NULL DEFAULT 0,  -- a send was interrupted: re-sent marked so
    claimed_by TEXT,
    claimed_at TEXT,
    sent_at TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (event_id, to_address, purpose)
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
-- Which process may run the scheduled jobs: one holder at a time, until its lease expires.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    acquired_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
-- How far each incremental job has read (e.g. the last sample id it looked at).
CREATE TABLE watermarks (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""


@migrations()
def m004_alerts(db: Database) -> None:
    """Events with their idempotency keys, subscriptions, the e-mail outbox, the scheduler lease."""
    db.executescript(ALERTS_DDL)


USERS_DDL = """
-- People who sign in to the web pages: a role and an optional study scope, as API tokens have.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('lab', 'clinician', 'integration', 'admin')),
    study_id INTEGER REFERENCES studies(id),
    password_hash TEXT NOT NULL,  -- werkzeug.security scrypt, salted
    failed_sign_ins INTEGER NOT NULL DEFAULT 0,  -- consecutive failures since the last success
    locked_until TEXT,
    last_sign_in_at TEXT,
    disabled_at TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
"""


@migrations()
def m006_users(db: Database) -> None:
    """Web users: e-mail, password hash, role, study scope, and the counters of the lockout."""
    db.executescript(USERS_DDL)


EVALUATIONS_DDL = """
-- One DSA evaluation of one donor of one exposure, with the rules and reference it was made under.
-- Never overwritten: new inputs or other rules add a row; "current" is the latest for the rules.
CREATE TABLE evaluations (
    id INTEGER PRIMARY KEY,
    recipient_id INTEGER NOT NULL REFERENCES recipients(id),
    exposure_id INTEGER NOT NULL REFERENCES exposures(id),
    donor_id INTEGER NOT NULL REFERENCES donors(id),
    exposure_date TEXT NOT NULL,
    as_of TEXT,
    rules_version TEXT NOT NULL,
    rules TEXT NOT NULL CHECK (json_valid(rules)),
    reference_release TEXT NOT NULL,
    inputs_fingerprint TEXT NOT NULL,
    baseline_serum TEXT,
    summary TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(summary)),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX evaluations_current
    ON evaluations(recipient_id, exposure_id, donor_id, rules_version, id);
-- The sera of an evaluation in date order: visit, day, and why a serum was left out.
CREATE TABLE evaluation_points (
    evaluation_id INTEGER NOT NULL REFERENCES evaluations(id),
    position INTEGER NOT NULL,
    serum TEXT NOT NULL,
    sample_ids TEXT NOT NULL CHECK (json_valid(sample_ids)),
    date TEXT NOT NULL,
    visit TEXT NOT NULL,
    day INTEGER NOT NULL,
    excluded_reason TEXT,
    immunodominant_mfi REAL,
    sum_mfi REAL,
    notes TEXT NOT NULL DEFAULT '[]',  -- e.g. one class run left out (QC failed)
    PRIMARY KEY (evaluation_id, position)
) WITHOUT ROWID;
-- Each DSA (a donor antigen positive at least once) at each usable serum of an evaluation.
CREATE TABLE dsa_states (
    evaluation_id INTEGER NOT NULL REFERENCES evaluations(id),
    position INTEGER NOT NULL,
    target TEXT NOT NULL,
    sample_id INTEGER REFERENCES samples(id),
    visit TEXT NOT NULL,
    hla_class TEXT,
    level TEXT,
    chain TEXT,
    mfi REAL NOT NULL,
    value_kind TEXT,
    positive INTEGER NOT NULL,
    strength TEXT NOT NULL,
    status TEXT NOT NULL,
    origin TEXT,
    rising INTEGER NOT NULL,
    consecutive INTEGER NOT NULL,
    previous_mfi REAL,
    assay_changed INTEGER NOT NULL,
    beads TEXT NOT NULL DEFAULT '[]',
    warnings TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (evaluation_id, position, target)
) WITHOUT ROWID;
-- How far ``evaluate_pending`` has read samples, typings and exposures (one row).
CREATE TABLE evaluation_watermark (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    sample_id INTEGER NOT NULL,
    typing_id INTEGER NOT NULL,
    exposure_id INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
"""


@migrations()
def m005_evaluations(db: Database) -> None:
    """DSA evaluations over time: rules in force, sera with their visits, each DSA's states."""
    db.executescript(EVALUATIONS_DDL)


@migrations()
def m007_user_passwords(db: Database) -> None:
    """When a user's password was last set: sessions signed in before then end."""
    db.execute("ALTER TABLE users ADD COLUMN password_changed_at TEXT")


EVALUATION_DETAILS_DDL = """
-- Per serum, the immunodominant DSA and the sum of DSA MFI per HLA class (DSA_RULES.md §3), each
-- DSA counted once at its highest value among the serum's runs (two lots of one class test the
-- same antigens). immunodominant_mfi and sum_mfi stay: over both classes, each DSA once (rows
-- stored before this migration added a DSA once per run, and have NULL in the class columns).
ALTER TABLE evaluation_points ADD COLUMN class_i_immunodominant_dsa TEXT;
ALTER TABLE evaluation_points ADD COLUMN class_i_immunodominant_mfi REAL;
ALTER TABLE evaluation_points ADD COLUMN class_i_sum_mfi REAL;
ALTER TABLE evaluation_points ADD COLUMN class_ii_immunodominant_dsa TEXT;
ALTER TABLE evaluation_points ADD COLUMN class_ii_immunodominant_mfi REAL;
ALTER TABLE evaluation_points ADD COLUMN class_ii_sum_mfi REAL;
-- Positive beads matching only antigens the recipient shares with the donor: flagged, never DSA.
ALTER TABLE evaluation_points ADD COLUMN self_beads TEXT NOT NULL DEFAULT '[]';
-- The assay (vendor, kit, lot) of a DSA value and of the previous one: a change is said in alerts.
ALTER TABLE dsa_states ADD COLUMN assay TEXT;
ALTER TABLE dsa_states ADD COLUMN previous_assay TEXT;
-- Recipients an evaluation run could not evaluate: retried by every run until one succeeds.
CREATE TABLE evaluation_failures (
    recipient_id INTEGER PRIMARY KEY REFERENCES recipients(id),
    error TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    first_failed_at TEXT NOT NULL,
    last_failed_at TEXT NOT NULL
);
-- The NC control bead of each sample: raw_minus_nc subtracts its raw MFI.
CREATE INDEX bead_results_nc ON bead_results(sample_id, position) WHERE control = 'NC';
"""


@migrations()
def m008_evaluation_details(db: Database) -> None:
    """DSA MFI per class, self beads, the assay of each DSA value, failed recipients to retry."""
    db.executescript(EVALUATION_DETAILS_DDL)


@migrations()
def m009_donor_studies(db: Database) -> None:
    """The study a donor was registered for: a study-scoped caller sees its own donors before
    any exposure links them (NULL: registered by a caller of every study)."""
    db.execute("ALTER TABLE donors ADD COLUMN study_id INTEGER REFERENCES studies(id)")


STUDY_UPLOAD_SETTINGS_DDL = """
-- How a study's lab files are read: strict_uploads = 1 refuses a file holding any sample not
-- enrolled (else such samples are listed as not stored); date_layout (e.g. DD-MM-YYYY) reads
-- ambiguous dates, chosen once on an upload and remembered.
ALTER TABLE studies ADD COLUMN strict_uploads INTEGER NOT NULL DEFAULT 0
    CHECK (strict_uploads IN (0, 1));
ALTER TABLE studies ADD COLUMN date_layout TEXT;
-- The lab's own control sera (a regular expression searched in sample and patient IDs), beside
-- the vendors' (LS-NC..., PPS...): listed as control sera, never as patients not enrolled.
ALTER TABLE studies ADD COLUMN control_pattern TEXT;
"""


@migrations()
def m010_study_upload_settings(db: Database) -> None:
    """Per study: strict uploads, the date layout its lab chose, its own control-serum pattern."""
    db.executescript(STUDY_UPLOAD_SETTINGS_DDL)


COORDINATOR_ROLE_DDL = """
-- The study coordinator: creates and edits studies, enrols recipients, registers donors, enters
-- typings and exposures. SQLite cannot change a CHECK constraint: both tables are rebuilt.
CREATE TABLE users_new (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('lab', 'clinician', 'integration', 'admin', 'coordinator')),
    study_id INTEGER REFERENCES studies(id),
    password_hash TEXT NOT NULL,
    failed_sign_ins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    last_sign_in_at TEXT,
    disabled_at TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    password_changed_at TEXT
);
INSERT INTO users_new (id, email, role, study_id, password_hash, failed_sign_ins, locked_until,
                       last_sign_in_at, disabled_at, created_at, created_by, password_changed_at)
    SELECT id, email, role, study_id, password_hash, failed_sign_ins, locked_until,
           last_sign_in_at, disabled_at, created_at, created_by, password_changed_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE TABLE api_tokens_new (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('lab', 'clinician', 'integration', 'admin', 'coordinator')),
    study_id INTEGER REFERENCES studies(id),
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at TEXT,
    revoked_by TEXT
);
INSERT INTO api_tokens_new SELECT id, name, role, study_id, token_sha256, created_at, created_by,
    revoked_at, revoked_by FROM api_tokens;
DROP TABLE api_tokens;
ALTER TABLE api_tokens_new RENAME TO api_tokens;
CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens(name) WHERE revoked_at IS NULL;
"""


@migrations()
def m011_coordinator_role(db: Database) -> None:
    """The coordinator role for users and API tokens (the role CHECKs, rebuilt)."""
    db.executescript(COORDINATOR_ROLE_DDL)


VISIT_ASSIGNMENTS_DDL = """
-- A serum drawn outside every window, assigned by a coordinator or the lab to the visit it was
-- meant for (a late M12): the evaluation then counts it there, and the visit is done, late.
-- A serum is a draw (its class I and II runs): keyed by its draw date within the recipient.
CREATE TABLE visit_assignments (
    id INTEGER PRIMARY KEY,
    recipient_id INTEGER NOT NULL REFERENCES recipients(id),
    serum_key TEXT NOT NULL,
    sample_id INTEGER NOT NULL REFERENCES samples(id),
    visit TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    assigned_by TEXT NOT NULL,
    assigned_at TEXT NOT NULL,
    UNIQUE (recipient_id, serum_key)
);
"""


@migrations()
def m012_visit_assignments(db: Database) -> None:
    """Sera assigned to a visit by hand (a late serum belongs to its visit)."""
    db.executescript(VISIT_ASSIGNMENTS_DDL)


EVALUATION_REQUESTS_DDL = """
-- Recipients to evaluate again though none of their inputs changed (their study's visit schedule
-- did): the scheduler's pending run evaluates them and deletes their rows; a request made again
-- before that run keeps one row.
CREATE TABLE evaluation_requests (
    recipient_id INTEGER PRIMARY KEY REFERENCES recipients(id),
    reason TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    requested_by TEXT NOT NULL
);
"""


@migrations()
def m013_evaluation_requests(db: Database) -> None:
    """Recipients marked for the next evaluation run (a visit schedule changed)."""
    db.executescript(EVALUATION_REQUESTS_DDL)


ALERT_NOTES_AND_SESSIONS_DDL = """
-- What was done about an alert, written by the person who acknowledges it.
ALTER TABLE events ADD COLUMN acknowledged_note TEXT;
-- A signed-in page session, held on the server: signing out ends it here, so a copied cookie
-- no longer works. The cookie carries the id; only its SHA-256 is kept.
CREATE TABLE web_sessions (
    id INTEGER PRIMARY KEY,
    token_sha256 TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX web_sessions_user ON web_sessions(user_id) WHERE ended_at IS NULL;
"""


@migrations()
def m014_alert_notes_and_sessions(db: Database) -> None:
    """A note with each acknowledgement; page sessions held on the server."""
    db.executescript(ALERT_NOTES_AND_SESSIONS_DDL)


PASSWORD_RESETS_DDL = """
-- A forgotten password: each request, for an address with an account or not (the rate limit
-- counts both, and the answer is the same). The link's token is kept only as its SHA-256; it
-- expires, is used once, and ends when a later request or a password change supersedes it.
CREATE TABLE password_resets (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL COLLATE NOCASE,
    user_id INTEGER REFERENCES users(id),  -- NULL: no account has this address, nothing was sent
    token_sha256 TEXT UNIQUE,
    requested_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    ended_at TEXT,
    CHECK ((user_id IS NULL) = (token_sha256 IS NULL))
);
CREATE INDEX password_resets_email ON password_resets(email, requested_at);
-- The outbox also carries the reset e-mails, which belong to no event: event_id may be NULL for
-- them (and only for them). SQLite cannot change a CHECK or NOT NULL: the table is rebuilt.
CREATE TABLE outbox_new (
    id INTEGER PRIMARY KEY,
    event_id INTEGER REFERENCES events(id),
    purpose TEXT NOT NULL CHECK (purpose IN ('alert', 'reminder', 'password_reset')),
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'retry', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    possible_duplicate INTEGER NOT NULL DEFAULT 0,
    claimed_by TEXT,
    claimed_at TEXT,
    sent_at TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (event_id, to_address, purpose),
    CHECK ((event_id IS NULL) = (purpose = 'password_reset'))
);
INSERT INTO outbox_new SELECT id, event_id, purpose, to_address, subject, body_text, body_html,
    message_id, state, attempts, next_attempt_at, last_error, possible_duplicate, claimed_by,
    claimed_at, sent_at, created_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
"""


@migrations()
def m015_password_resets(db: Database) -> None:
    """Password resets by e-mailed link; the outbox carries their e-mails (no event)."""
    db.executescript(PASSWORD_RESETS_DDL)


EXPOSURE_DONORS_BY_DONOR_DDL = """
-- The exposures of a donor: a new donor typing finds the recipients it touches by index
-- (``evaluations.touched_recipients``), not by reading every exposure's donors once per typing.
CREATE INDEX exposure_donors_donor ON exposure_donors(donor_id, exposure_id);
"""


@migrations()
def m016_exposure_donors_by_donor(db: Database) -> None:
    """An index of exposures by donor (a cohort's first evaluation ran 4 s in one join)."""
    db.executescript(EXPOSURE_DONORS_BY_DONOR_DDL)


EVALUATION_SERA_DDL = """
-- The sera of an evaluation without DSA, as one JSON array of its point rows (the columns of
-- ``evaluation_points`` after evaluation_id, in order): one row written per evaluation instead of
-- one per serum (most of a cohort's evaluations). NULL: its sera are rows of evaluation_points.
ALTER TABLE evaluations ADD COLUMN sera TEXT CHECK (sera IS NULL OR json_valid(sera));
"""


@migrations()
def m017_evaluation_sera(db: Database) -> None:
    """An evaluation's sera kept in its own row when it has no DSA (a 10,000-recipient run wrote
    60,000 point rows, 0.2 s of its storing)."""
    db.conn.execute(EVALUATION_SERA_DDL)
