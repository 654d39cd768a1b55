"""The app store's schema, as numbered migrations applied in order at open (never edit one that shipped:
add the next). `schema_version` records the last one applied.

Written in SQLite's types; on PostgreSQL each statement is translated (web.store.db.ddl_to_postgres:
INTEGER PRIMARY KEY → identity, REAL → DOUBLE PRECISION) and `POSTGRES_ONLY[n]` runs after migration n,
so both engines share the version numbers and one schema."""

MIGRATIONS: list[str] = [
    # 1: tickets with their delivery outbox state, an event history, per-day numbering, unanswered log
    """
    CREATE TABLE tickets (
        id INTEGER PRIMARY KEY,
        ticket_no TEXT NOT NULL UNIQUE,
        idempotency_key TEXT NOT NULL UNIQUE,
        channel TEXT NOT NULL DEFAULT '',
        sender_hash TEXT NOT NULL DEFAULT '',
        company TEXT NOT NULL,
        contact TEXT NOT NULL,
        phone TEXT NOT NULL,
        category TEXT NOT NULL,
        department TEXT NOT NULL,
        description TEXT NOT NULL,
        location TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,            -- queued | delivered | accepted | processing | resolved | rejected | local
        delivery TEXT NOT NULL,          -- pending | delivered | failed | local
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at REAL NOT NULL DEFAULT 0,
        last_error TEXT NOT NULL DEFAULT '',
        external_id TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE INDEX tickets_outbox ON tickets(delivery, next_attempt_at);
    CREATE TABLE ticket_events (
        id INTEGER PRIMARY KEY,
        ticket_id INTEGER NOT NULL REFERENCES tickets(id),
        at REAL NOT NULL,
        kind TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE ticket_numbers (day TEXT PRIMARY KEY, last INTEGER NOT NULL);
    CREATE TABLE unanswered (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        channel TEXT NOT NULL,
        sender_hash TEXT NOT NULL,
        text TEXT NOT NULL,              -- PII-masked
        reason TEXT NOT NULL,
        candidates TEXT NOT NULL,        -- JSON list of {id, task, score, text}
        previous_turn TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'open'
    );
    CREATE INDEX unanswered_at ON unanswered(at);
    """,
    # 2: 👍/👎 on answers, one vote per shown message (a second click changes it)
    """
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        channel TEXT NOT NULL,
        sender_hash TEXT NOT NULL,
        message_id TEXT NOT NULL,
        question TEXT NOT NULL,          -- PII-masked
        answer TEXT NOT NULL,
        task INTEGER,
        rating TEXT NOT NULL,            -- up | down
        UNIQUE (sender_hash, message_id)
    );
    CREATE INDEX feedback_at ON feedback(at);
    """,
    # 3: consoles — users and sessions, audit log, FAQ drafts, uploaded documents, chat turns, handoffs
    """
    CREATE TABLE users (
        username TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        role TEXT NOT NULL,              -- admin | agent
        active INTEGER NOT NULL DEFAULT 1,
        created_at REAL NOT NULL,
        last_login REAL
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL REFERENCES users(username),
        csrf_token TEXT NOT NULL,
        created_at REAL NOT NULL,
        expires_at REAL NOT NULL
    );
    CREATE TABLE login_failures (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL,               -- username or client address
        at REAL NOT NULL
    );
    CREATE INDEX login_failures_key ON login_failures(key, at);
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        username TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE faq_drafts (
        id TEXT PRIMARY KEY,
        data TEXT,                       -- JSON entry; NULL = delete
        updated_by TEXT NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        text TEXT NOT NULL,              -- full document file (front matter + body)
        state TEXT NOT NULL,             -- draft | published
        uploaded_by TEXT NOT NULL,
        uploaded_at REAL NOT NULL
    );
    CREATE TABLE chat_turns (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        sender TEXT NOT NULL,
        channel TEXT NOT NULL,
        question TEXT NOT NULL,
        reply TEXT NOT NULL,
        reply_type TEXT NOT NULL,        -- answer | declined | form | ticket | text | error | agent
        task INTEGER,
        topic TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX chat_turns_sender ON chat_turns(sender, id);
    CREATE INDEX chat_turns_at ON chat_turns(at);
    CREATE TABLE handoffs (
        id INTEGER PRIMARY KEY,
        sender TEXT NOT NULL,
        status TEXT NOT NULL,            -- waiting | active | closed
        agent TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        closed_reason TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX handoffs_sender ON handoffs(sender, status);
    CREATE TABLE handoff_messages (
        id INTEGER PRIMARY KEY,
        handoff_id INTEGER NOT NULL REFERENCES handoffs(id),
        at REAL NOT NULL,
        role TEXT NOT NULL,              -- user | agent | system
        text TEXT NOT NULL
    );
    ALTER TABLE unanswered ADD COLUMN group_id INTEGER;
    ALTER TABLE unanswered ADD COLUMN resolved_entry TEXT NOT NULL DEFAULT '';
    """,
    # 4: conversations the gateway had to recover, and the name a citizen sees for a staff member
    """
    CREATE TABLE chat_incidents (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        sender_hash TEXT NOT NULL,
        channel TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL,              -- empty_reply | repeated_reply | rasa_error
        message TEXT NOT NULL DEFAULT '', -- the user's message, PII masked
        detail TEXT NOT NULL DEFAULT '',
        recovered INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX chat_incidents_at ON chat_incidents(at);
    ALTER TABLE users ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
    """,
    # 5: signatures of 诉速办 callbacks already applied (a replay within the signing window is refused)
    """
    CREATE TABLE susuban_callbacks (
        signature TEXT PRIMARY KEY,
        signed_at REAL NOT NULL,         -- the request's X-SSB-Timestamp
        received_at REAL NOT NULL
    );
    CREATE INDEX susuban_callbacks_signed_at ON susuban_callbacks(signed_at);
    """,
]

# statements PostgreSQL needs after migration n for what SQLite gives without a statement
POSTGRES_ONLY: dict[int, list[str]] = {
    # 3: a staff member's number is SQLite's users.rowid (insertion order); PostgreSQL has no rowid
    3: ["ALTER TABLE users ADD COLUMN staff_no BIGINT GENERATED BY DEFAULT AS IDENTITY UNIQUE"],
}
