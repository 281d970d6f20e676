namespace RedProperty.Iot.Hub.Storage;

/// <summary>
/// The schema of <c>hub.db</c>, one migration per version (<c>PRAGMA user_version</c>). Append only: a
/// database is migrated from its version to the newest, each step in its own transaction, and a hub
/// refuses a database newer than it knows.
/// </summary>
public sealed partial class HubDatabase
{
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE alerts (
            id TEXT PRIMARY KEY,
            site TEXT NOT NULL, device TEXT NOT NULL, type TEXT NOT NULL, zone TEXT NOT NULL, kind TEXT NOT NULL,
            severity TEXT NOT NULL, state TEXT NOT NULL, message TEXT NOT NULL,
            raised_at INTEGER NOT NULL, active_since INTEGER NOT NULL, last_seen_at INTEGER NOT NULL, count INTEGER NOT NULL,
            acknowledged_by TEXT, acknowledged_at INTEGER, resolved_by TEXT, resolved_at INTEGER, resolution_note TEXT,
            seq INTEGER NOT NULL);
        CREATE UNIQUE INDEX alerts_one_open ON alerts(site, device, type) WHERE state <> 'resolved';
        CREATE INDEX alerts_by_raised ON alerts(raised_at);
        CREATE TABLE alert_transitions (
            alert_id TEXT NOT NULL REFERENCES alerts(id), n INTEGER NOT NULL,
            at INTEGER NOT NULL, action TEXT NOT NULL, by TEXT NOT NULL, note TEXT, severity TEXT NOT NULL,
            PRIMARY KEY (alert_id, n));
        CREATE TABLE alert_escalations (
            alert_id TEXT NOT NULL REFERENCES alerts(id), reason TEXT NOT NULL, at INTEGER NOT NULL,
            PRIMARY KEY (alert_id, reason, at));
        CREATE TABLE changes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, site TEXT NOT NULL, event TEXT NOT NULL, payload TEXT NOT NULL, at INTEGER NOT NULL);
        CREATE TABLE device_seen (
            site TEXT NOT NULL, device TEXT NOT NULL, last_seen_at INTEGER NOT NULL, PRIMARY KEY (site, device));
        CREATE TABLE staff (
            username TEXT PRIMARY KEY COLLATE NOCASE, display_name TEXT NOT NULL, password_hash TEXT NOT NULL,
            role TEXT NOT NULL, sites TEXT NOT NULL, failed_logins INTEGER NOT NULL DEFAULT 0, locked_until INTEGER,
            created_at INTEGER NOT NULL);
        """,
        """
        CREATE TABLE alert_evidence (
            alert_id TEXT NOT NULL, kind TEXT NOT NULL, url TEXT NOT NULL, at INTEGER NOT NULL,
            PRIMARY KEY (alert_id, kind));
        """,
        """
        CREATE TABLE monthly_reports (
            site TEXT NOT NULL, month TEXT NOT NULL, computed_at INTEGER NOT NULL, payload TEXT NOT NULL, sha256 TEXT NOT NULL,
            published_at INTEGER,
            PRIMARY KEY (site, month));
        CREATE TRIGGER monthly_reports_immutable BEFORE UPDATE OF site, month, computed_at, payload, sha256 ON monthly_reports
        BEGIN SELECT RAISE(ABORT, 'monthly reports are immutable'); END;
        CREATE TRIGGER monthly_reports_kept BEFORE DELETE ON monthly_reports
        BEGIN SELECT RAISE(ABORT, 'monthly reports are immutable'); END;
        CREATE TABLE hub_facts (name TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
        """
        CREATE INDEX alerts_by_site_resolved ON alerts(site, resolved_at);
        """,
        """
        ALTER TABLE staff ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE staff ADD COLUMN security_stamp TEXT NOT NULL DEFAULT '';
        ALTER TABLE staff ADD COLUMN changed_at INTEGER;
        ALTER TABLE staff ADD COLUMN last_login_at INTEGER;
        UPDATE staff SET security_stamp = lower(hex(randomblob(16)));
        ALTER TABLE staff DROP COLUMN failed_logins;
        ALTER TABLE staff DROP COLUMN locked_until;
        CREATE TABLE staff_logins (
            username TEXT NOT NULL COLLATE NOCASE, address TEXT NOT NULL, last_at INTEGER NOT NULL,
            PRIMARY KEY (username, address));
        CREATE TABLE staff_audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL,
            username TEXT NOT NULL COLLATE NOCASE, action TEXT NOT NULL, detail TEXT NOT NULL);
        CREATE INDEX staff_audit_by_user ON staff_audit(username, id);
        """,
        """
        ALTER TABLE alerts ADD COLUMN clearing TEXT NOT NULL DEFAULT 'auto';
        ALTER TABLE alerts ADD COLUMN condition_cleared_at INTEGER;
        """,
        """
        ALTER TABLE alerts ADD COLUMN fact TEXT;
        ALTER TABLE alert_transitions ADD COLUMN fact TEXT;
        """,
        """
        CREATE TABLE consumer_cursors (consumer TEXT PRIMARY KEY, position INTEGER NOT NULL);
        """,
        """
        ALTER TABLE alerts ADD COLUMN on_the_way_by TEXT;
        ALTER TABLE alerts ADD COLUMN on_the_way_at INTEGER;
        ALTER TABLE alerts ADD COLUMN arrived_by TEXT;
        ALTER TABLE alerts ADD COLUMN arrived_at INTEGER;
        ALTER TABLE alerts ADD COLUMN arrival_proof TEXT;
        ALTER TABLE alerts ADD COLUMN arrival_detail TEXT;
        """,
        """
        CREATE TABLE consumer_marks (consumer TEXT NOT NULL, device TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (consumer, device));
        """,
        """
        CREATE TABLE webhook_outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT, site TEXT NOT NULL, event TEXT NOT NULL, body TEXT NOT NULL,
            created_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, last_error TEXT);
        CREATE INDEX webhook_outbox_site ON webhook_outbox (site, id);
        """,
        """
        ALTER TABLE alerts ADD COLUMN assigned_to TEXT;
        ALTER TABLE alerts ADD COLUMN assigned_at INTEGER;
        ALTER TABLE staff ADD COLUMN zones TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE staff ADD COLUMN on_duty INTEGER;
        """,
        """
        CREATE TABLE resident_reports (
            tracking_hash TEXT PRIMARY KEY, alert_id TEXT NOT NULL, site TEXT NOT NULL, place TEXT NOT NULL, category TEXT NOT NULL,
            text TEXT NOT NULL, phone TEXT, created_at INTEGER NOT NULL);
        CREATE INDEX resident_reports_alert ON resident_reports (alert_id);
        """,
        """
        ALTER TABLE resident_reports ADD COLUMN photo_url TEXT;
        CREATE INDEX resident_reports_site ON resident_reports (site, created_at);
        """,
        """
        ALTER TABLE monthly_reports ADD COLUMN uplinked_at INTEGER;
        """,
        """
        CREATE TABLE edge_alerts (
            id TEXT PRIMARY KEY, edge TEXT NOT NULL, site TEXT NOT NULL, zone TEXT NOT NULL, type TEXT NOT NULL, severity TEXT NOT NULL,
            state TEXT NOT NULL, raised_at INTEGER NOT NULL, seq INTEGER NOT NULL, view TEXT NOT NULL, trail TEXT, received_at INTEGER NOT NULL);
        CREATE INDEX edge_alerts_site ON edge_alerts (site, raised_at);
        CREATE TABLE edge_devices (site TEXT NOT NULL, device TEXT NOT NULL, edge TEXT NOT NULL, status TEXT NOT NULL, view TEXT NOT NULL, PRIMARY KEY (site, device));
        CREATE TABLE edges (edge TEXT PRIMARY KEY, last_seq INTEGER NOT NULL, last_sent_at INTEGER NOT NULL, last_heard_at INTEGER NOT NULL, applied INTEGER NOT NULL, duplicates INTEGER NOT NULL);
        """,
        """
        CREATE TABLE centre_commands (
            id TEXT PRIMARY KEY, site TEXT NOT NULL, alert_id TEXT NOT NULL, action TEXT NOT NULL, by TEXT NOT NULL,
            outcome TEXT NOT NULL, problem TEXT, seq INTEGER, received_at INTEGER NOT NULL, replied_at INTEGER);
        CREATE INDEX centre_commands_unreplied ON centre_commands (received_at) WHERE replied_at IS NULL;
        CREATE TABLE edge_commands (
            id TEXT PRIMARY KEY, edge TEXT NOT NULL, site TEXT NOT NULL, alert_id TEXT NOT NULL, action TEXT NOT NULL, by TEXT NOT NULL, note TEXT,
            issued_at INTEGER NOT NULL, message BLOB NOT NULL, sent_at INTEGER, state TEXT NOT NULL, outcome TEXT, problem TEXT, answered_at INTEGER);
        CREATE INDEX edge_commands_alert ON edge_commands (alert_id);
        CREATE INDEX edge_commands_pending ON edge_commands (issued_at) WHERE state = 'pending';
        ALTER TABLE edges ADD COLUMN head_seq INTEGER NOT NULL DEFAULT 0;
        """,
    ];
}
