"""The history store's tables (SQLAlchemy Core).

``runs``           one row per recorded audit: when, as-of date, scope, rule set version, totals, readiness
``run_inputs``     every input file of a run, with its SHA-256, row counts, where it was read and its columns
``run_findings``   every finding of a run: its id, what changed since the previous run of the scope, status
``run_counts``     per run, findings and open findings by rule, severity and firm (trends read only these)
``run_firms``      per run, each firm's active e-filers and how many are ready (a firm's own readiness share)
``state_undo``     per run, the state rows it rewrote as they were before (``history remove`` restores them)
``deliveries``     per scope, month, firm and kind, the firm's notice message, a reminder or a new portal link: to
                   whom, its state and the mail server's answer
``invites``        per firm, scope and run, a portal link: only the SHA-256 of its token, and when it expires
``portal_sessions`` a session opened from an invite (only the SHA-256 of its cookie), at most 8 hours
``answers``        a firm's answers to its findings from the portal: kind, date, note, invite, batch (never rewritten)
``finding_state``  per scope and finding: first/last seen, the fixed due date, the carried status and notes,
                   and a digest of the row (what changed is written, not the whole state)

The migrations under ``migrations/versions`` create and change these tables; this module is what the code
reads and writes, and a test checks that the two agree.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger, Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, MetaData, String, Table, Text,
)

# REVISION: the migration that makes these tables (a test checks it is the newest), kept where the quick
# listing of an SQLite store reads it without SQLAlchemy
from auditor.history.sqlite_file import REVISION as REVISION

metadata = MetaData()

runs = Table(
    "runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scope", String(500), nullable=False),
    Column("scope_label", Text, nullable=False),
    Column("as_of", Date, nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    Column("auditor_version", String(40), nullable=False),
    Column("rules_version", String(64), nullable=False),
    Column("findings", Integer, nullable=False),
    Column("open_findings", Integer, nullable=False),
    Column("new", Integer, nullable=False),
    Column("resolved", Integer, nullable=False),
    Column("reopened", Integer, nullable=False),
    Column("persisting", Integer, nullable=False),
    Column("active_filers", Integer),
    Column("ready_filers", Integer),
    Column("backfill", Boolean, nullable=False),
    Column("superseded_by", Integer),      # recorded again (same scope and audit date) as that run
    Column("removed_at", DateTime),        # taken back by ``auditor history remove``
    Column("undoable", Boolean),           # kept what it changed in finding_state (state_undo, added_by)
    Column("report_path", Text),     # where the run's report was written (absolute); none before 0008
    Index("ix_runs_scope_as_of", "scope", "as_of"),
)

run_inputs = Table(
    "run_inputs", metadata,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("sheet", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("rows_read", Integer, nullable=False),
    Column("rows_audited", Integer, nullable=False),
    Column("rows_rejected", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("path", Text),       # the file as read (absolute), for the portal's roster uploads; none before 0011
    Column("headers", Text),    # JSON: column -> its header as written (the mapping the file was read with)
)

run_findings = Table(
    "run_findings", metadata,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("finding_id", String(64), primary_key=True),
    Column("rule_id", String(200), nullable=False),
    Column("severity", String(20), nullable=False),
    Column("firm_key", Text, nullable=False),
    Column("change", String(20), nullable=False),   # new | persisting | reopened
    Column("status", String(20), nullable=False),
    Column("due_date", Date),
    Column("notes", Text),
    Column("accepted_until", Date),
)

run_counts = Table(
    "run_counts", metadata,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("rule_id", String(200), nullable=False),
    Column("severity", String(20), nullable=False),
    Column("firm_key", Text, nullable=False),
    Column("findings", Integer, nullable=False),
    Column("open_findings", Integer, nullable=False),
    Index("ix_run_counts_run", "run_id", "firm_key"),
)

run_firms = Table(
    "run_firms", metadata,
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("firm_key", Text, primary_key=True),
    Column("active_filers", Integer, nullable=False),
    Column("ready_filers", Integer, nullable=False),
)

finding_state = Table(
    "finding_state", metadata,
    Column("scope", String(500), primary_key=True),
    Column("finding_id", String(64), primary_key=True),
    Column("rule_id", String(200), nullable=False),
    Column("severity", String(20), nullable=False),
    Column("court_id", Text),
    Column("firm_key", Text, nullable=False),
    Column("firm_name", Text),
    Column("person_name", Text),
    Column("cmecf_login", Text),
    Column("pacer_username", Text),
    Column("first_seen", Date, nullable=False),
    Column("last_seen", Date, nullable=False),
    Column("due_date", Date),
    Column("status", String(20), nullable=False),
    Column("notes", Text),
    Column("accepted_until", Date),
    Column("open", Boolean, nullable=False),        # found by the scope's latest run
    Column("resolved_on", Date),
    # over the row's values but the id and last_seen: a run rewrites only the rows whose digest changed
    Column("digest", BigInteger),
    Column("added_by", Integer),        # the run that first stored this row (removing it deletes the row)
)


def _state_columns():
    return [Column(c.name, c.type, nullable=c.nullable) for c in finding_state.columns if c.name != "scope"
            and c.name != "finding_id"]


# each state row as it was before a run rewrote it, so that the run can be taken back
state_undo = Table(
    "state_undo", metadata,
    Column("run_id", Integer, primary_key=True),
    Column("scope", String(500), nullable=False),
    Column("finding_id", String(64), primary_key=True),
    *_state_columns(),
)

deliveries = Table(
    "deliveries", metadata,
    # one row per month of a scope, firm and kind, so that the same month audited again is not notified twice
    Column("scope", String(500), primary_key=True),
    Column("as_of", Date, primary_key=True),
    Column("firm_key", Text, primary_key=True),
    Column("kind", String(20), primary_key=True),  # notice | reminder-1 | reminder-2 | reminder-3 | new-link
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="SET NULL")),   # the run the notice was made from
    Column("firm_name", Text, nullable=False),
    Column("recipients", Text, nullable=False),     # the addresses, comma-separated
    Column("state", String(20), nullable=False),    # queued | sent | failed-for-now | refused
    Column("answer", Text),                         # the mail server's last answer
    Column("attempts", Integer, nullable=False),
    Column("attached", Boolean, nullable=False),    # false: sent without attachments (too large)
    Column("message_id", String(200), nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

invites = Table(
    "invites", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False),   # SHA-256 of the link's token; the token is not kept
    Column("scope", String(500), nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("as_of", Date, nullable=False),              # the run's audit date: the next month ends the link
    Column("firm_key", Text, nullable=False),
    Column("firm_name", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Index("ix_invites_token_hash", "token_hash", unique=True),
)

portal_sessions = Table(
    "portal_sessions", metadata,
    Column("id_hash", String(64), primary_key=True),    # SHA-256 of the session cookie
    Column("invite_id", Integer, ForeignKey("invites.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
)

answers = Table(
    "answers", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scope", String(500), nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),    # the invite's run
    Column("invite_id", Integer, ForeignKey("invites.id", ondelete="CASCADE"), nullable=False),
    Column("firm_key", Text, nullable=False),
    Column("finding_id", String(64), nullable=False),
    Column("rule_id", String(200), nullable=False),
    Column("kind", String(20), nullable=False),     # will_fix | fixed | not_ours | left_firm | accepted
    Column("on_date", Date),                        # fixed by / left on / accepted until; none for the others
    Column("note", Text, nullable=False),
    Column("batch_id", String(32)),                 # the same for findings answered together
    Column("answered_at", DateTime, nullable=False),
    Index("ix_answers_scope_finding", "scope", "finding_id"),
    Index("ix_answers_run_firm", "run_id", "firm_key"),
)
