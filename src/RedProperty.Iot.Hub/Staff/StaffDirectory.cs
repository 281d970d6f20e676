using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using RedProperty.Iot.Hub.Storage;

namespace RedProperty.Iot.Hub.Staff;

/// <summary>A change to an account; null leaves a field as it is. <see cref="Duty"/>: on, off, or back to the roster.</summary>
public sealed record StaffChange(
    string? DisplayName = null, StaffRole? Role = null, IReadOnlyList<string>? Sites = null, bool? Disabled = null, string? NewPassword = null,
    IReadOnlyList<ZoneRef>? Zones = null, StaffDuty? Duty = null);

/// <summary>How the desk sets someone's duty: on, off, or as their weekly roster says.</summary>
public enum StaffDuty
{
    Roster,
    On,
    Off,
}

public enum StaffChangeStatus
{
    Changed,
    NotFound,
    Refused,

    /// <summary>The change would leave no enabled supervisor of all sites.</summary>
    LastAllSitesSupervisor,
}

public sealed record StaffChangeResult(StaffChangeStatus Status, StaffAccount? Account = null, string? Reason = null)
{
    /// <summary>What changed (as written to the audit trail); empty when nothing did.</summary>
    public IReadOnlyList<StaffAuditEntry> Changes { get; init; } = [];

    /// <summary>Whether sessions issued before the change are over (password, role, sites or access changed).</summary>
    public bool EndsSessions => Changes.Any(c => !StaffDirectory.KeepsSessions(c.Action));
}

/// <summary>One entry of an account's audit trail: who changed what.</summary>
public sealed record StaffAuditEntry(DateTimeOffset At, string Actor, string Username, string Action, string Detail);

/// <summary>
/// Staff accounts in the hub's database, passwords hashed with ASP.NET Core's password hasher (PBKDF2).
/// Changes run in one transaction each with their audit entries, and give the account a new security stamp
/// whenever they touch its password, role, sites or access. Login throttling lives elsewhere, in memory:
/// nothing here writes for a failed login.
/// </summary>
public sealed class StaffDirectory(HubDatabase database, TimeProvider time)
{
    /// <summary>Addresses remembered per account for "the user's usual address".</summary>
    public const int RememberedAddresses = 10;

    private const string Columns = "username, display_name, password_hash, role, sites, disabled, security_stamp, created_at, changed_at, last_login_at, zones, on_duty";

    /// <summary>Changes that grant or take away nothing, so the account's sessions go on: its name, zones and duty.</summary>
    public static bool KeepsSessions(string action) => action is "display_name" or "zones" or "duty";

    /// <summary>Raised after an account was created or changed (dispatch keeps a copy of who is on duty where).</summary>
    public event Action? AccountsChanged;

    private readonly PasswordHasher<StaffAccount> _hasher = new();

    /// <summary>Hashed for unknown user names, so they cost the same as known ones.</summary>
    private readonly Lazy<string> _nobodyHash = new(() => new PasswordHasher<StaffAccount>().HashPassword(null!, Guid.NewGuid().ToString()));

    public static string NewStamp() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public string HashPassword(string password) => _hasher.HashPassword(null!, password);

    /// <summary>Checks a password (CPU-bound PBKDF2); an unknown account is checked against a dummy hash and fails.</summary>
    public PasswordVerificationResult VerifyPassword(StaffAccount? account, string password)
    {
        var result = _hasher.VerifyHashedPassword(account!, account?.PasswordHash ?? _nobodyHash.Value, password);
        return account is null ? PasswordVerificationResult.Failed : result;
    }

    public async Task<bool> AnyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM staff);";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) == 1;
    }

    /// <summary>Creates an account; null when the user name is taken.</summary>
    public async Task<StaffAccount?> CreateAsync(string username, string displayName, string password, StaffRole role, IReadOnlyList<string> sites, string actor, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var account = new StaffAccount(username, displayName, HashPassword(password), role, sites, false, NewStamp(), now, null, null);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var insert = Command(connection, transaction, """
            INSERT OR IGNORE INTO staff (username, display_name, password_hash, role, sites, disabled, security_stamp, created_at)
            VALUES ($u, $d, $h, $r, $s, 0, $stamp, $t);
            """))
        {
            insert.Parameters.AddWithValue("$u", username);
            insert.Parameters.AddWithValue("$d", displayName);
            insert.Parameters.AddWithValue("$h", account.PasswordHash);
            insert.Parameters.AddWithValue("$r", role.ToWire());
            insert.Parameters.AddWithValue("$s", string.Join(',', sites));
            insert.Parameters.AddWithValue("$stamp", account.SecurityStamp);
            insert.Parameters.AddWithValue("$t", now.ToUnixTimeMilliseconds());
            if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                return null;
            }
        }

        await AuditAsync(connection, transaction, now, actor, username, "created", $"{role.ToWire()} of {string.Join(',', sites)}", cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        AccountsChanged?.Invoke();
        return account;
    }

    public async Task<StaffAccount?> FindAsync(string username, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await FindAsync(connection, null, username, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<StaffAccount>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, $"SELECT {Columns} FROM staff ORDER BY username;");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var accounts = new List<StaffAccount>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            accounts.Add(Read(reader));
        }

        return accounts;
    }

    /// <summary>
    /// Applies a change in one transaction: <paramref name="refuse"/> sees the account as it is now and may
    /// refuse (returning why); the last enabled supervisor of all sites is never disabled or narrowed.
    /// </summary>
    public async Task<StaffChangeResult> ChangeAsync(string username, StaffChange change, string actor, Func<StaffAccount, string?> refuse, CancellationToken cancellationToken = default)
    {
        var newHash = change.NewPassword is null ? null : HashPassword(change.NewPassword);
        var now = time.GetUtcNow();
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        // BEGIN IMMEDIATE: two supervisors disabling each other cannot both see the other still enabled.
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var current = await FindAsync(connection, transaction, username, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            return new StaffChangeResult(StaffChangeStatus.NotFound);
        }

        if (refuse(current) is { } reason)
        {
            return new StaffChangeResult(StaffChangeStatus.Refused, current, reason);
        }

        var audit = new List<(string Action, string Detail)>();
        var next = current;
        if (change.DisplayName is { } name && name != current.DisplayName)
        {
            audit.Add(("display_name", $"{current.DisplayName} → {name}"));
            next = next with { DisplayName = name };
        }

        if (change.Role is { } role && role != current.Role)
        {
            audit.Add(("role", $"{current.Role.ToWire()} → {role.ToWire()}"));
            next = next with { Role = role };
        }

        if (change.Sites is { } sites && !sites.ToHashSet(StringComparer.Ordinal).SetEquals(current.Sites))
        {
            audit.Add(("sites", $"{string.Join(',', current.Sites)} → {string.Join(',', sites)}"));
            next = next with { Sites = sites };
        }

        if (change.Disabled is { } disabled && disabled != current.Disabled)
        {
            audit.Add((disabled ? "disabled" : "enabled", string.Empty));
            next = next with { Disabled = disabled };
        }

        if (change.Zones is { } zones && !zones.ToHashSet().SetEquals(current.Zones))
        {
            audit.Add(("zones", $"{string.Join(", ", current.Zones)} → {string.Join(", ", zones)}"));
            next = next with { Zones = zones };
        }

        var onDuty = change.Duty switch { StaffDuty.On => true, StaffDuty.Off => false, _ => (bool?)null };
        if (change.Duty is { } duty && onDuty != current.OnDuty)
        {
            audit.Add(("duty", $"{DutyText(current.OnDuty)} → {DutyText(onDuty)}"));
            next = next with { OnDuty = onDuty };
        }

        if (newHash is not null)
        {
            audit.Add(("password", actor.Equals(current.Username, StringComparison.OrdinalIgnoreCase) ? "changed by the user" : "set by a supervisor"));
            next = next with { PasswordHash = newHash };
        }

        if (audit.Count == 0)
        {
            return new StaffChangeResult(StaffChangeStatus.Changed, current);
        }

        if (current.IsAllSitesSupervisor && !next.IsAllSitesSupervisor && !await AnotherAllSitesSupervisorAsync(connection, transaction, current.Username, cancellationToken).ConfigureAwait(false))
        {
            return new StaffChangeResult(StaffChangeStatus.LastAllSitesSupervisor, current, "the hub needs at least one enabled supervisor of all sites");
        }

        if (audit.Exists(a => !KeepsSessions(a.Action)))
        {
            next = next with { SecurityStamp = NewStamp() };
        }

        next = next with { ChangedAt = now };
        await using (var update = Command(connection, transaction, """
            UPDATE staff SET display_name = $d, password_hash = $h, role = $r, sites = $s, disabled = $x, security_stamp = $stamp, changed_at = $t,
                zones = $z, on_duty = $duty
            WHERE username = $u;
            """))
        {
            update.Parameters.AddWithValue("$d", next.DisplayName);
            update.Parameters.AddWithValue("$h", next.PasswordHash);
            update.Parameters.AddWithValue("$r", next.Role.ToWire());
            update.Parameters.AddWithValue("$s", string.Join(',', next.Sites));
            update.Parameters.AddWithValue("$x", next.Disabled ? 1 : 0);
            update.Parameters.AddWithValue("$stamp", next.SecurityStamp);
            update.Parameters.AddWithValue("$t", now.ToUnixTimeMilliseconds());
            update.Parameters.AddWithValue("$u", current.Username);
            update.Parameters.AddWithValue("$z", JsonSerializer.Serialize(next.Zones.Select(z => z.ToString()).ToArray()));
            update.Parameters.AddWithValue("$duty", next.OnDuty is { } on ? on ? 1 : 0 : DBNull.Value);
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var (action, detail) in audit)
        {
            await AuditAsync(connection, transaction, now, actor, current.Username, action, detail, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        AccountsChanged?.Invoke();
        return new StaffChangeResult(StaffChangeStatus.Changed, next)
        {
            Changes = audit.Select(a => new StaffAuditEntry(now, actor, current.Username, a.Action, a.Detail)).ToArray(),
        };
    }

    /// <summary>The stamp and access of an account, for checking sessions (null: no such account).</summary>
    public async Task<(string Stamp, bool Disabled)?> SessionStateAsync(string username, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, "SELECT security_stamp, disabled FROM staff WHERE username = $u;");
        command.Parameters.AddWithValue("$u", username);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetString(0), reader.GetInt64(1) != 0) : null;
    }

    /// <summary>A successful login: when and from where (the newest few addresses are kept), and a stronger hash if due.</summary>
    public async Task RecordLoginAsync(StaffAccount account, string address, string? rehash, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // The stronger hash replaces only the hash it was verified against (not a password changed meanwhile).
        await using (var update = Command(connection, transaction, """
            UPDATE staff SET last_login_at = $t, password_hash = CASE WHEN password_hash = $old THEN COALESCE($h, password_hash) ELSE password_hash END
            WHERE username = $u;
            """))
        {
            update.Parameters.AddWithValue("$t", now);
            update.Parameters.AddWithValue("$h", (object?)rehash ?? DBNull.Value);
            update.Parameters.AddWithValue("$old", account.PasswordHash);
            update.Parameters.AddWithValue("$u", account.Username);
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var upsert = Command(connection, transaction, """
            INSERT INTO staff_logins (username, address, last_at) VALUES ($u, $a, $t) ON CONFLICT(username, address) DO UPDATE SET last_at = $t;
            DELETE FROM staff_logins WHERE username = $u AND address NOT IN (SELECT address FROM staff_logins WHERE username = $u ORDER BY last_at DESC LIMIT $keep);
            """))
        {
            upsert.Parameters.AddWithValue("$u", account.Username);
            upsert.Parameters.AddWithValue("$a", address);
            upsert.Parameters.AddWithValue("$t", now);
            upsert.Parameters.AddWithValue("$keep", RememberedAddresses);
            await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether the account signed in successfully from this address since <paramref name="since"/>.</summary>
    public async Task<bool> SignedInFromAsync(string username, string address, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, "SELECT EXISTS (SELECT 1 FROM staff_logins WHERE username = $u AND address = $a AND last_at >= $since);");
        command.Parameters.AddWithValue("$u", username);
        command.Parameters.AddWithValue("$a", address);
        command.Parameters.AddWithValue("$since", since.ToUnixTimeMilliseconds());
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) == 1;
    }

    /// <summary>The account's audit trail, oldest first.</summary>
    public async Task<IReadOnlyList<StaffAuditEntry>> AuditTrailAsync(string username, int limit = 500, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection, null, """
            SELECT at, actor, username, action, detail FROM (SELECT * FROM staff_audit WHERE username = $u ORDER BY id DESC LIMIT $n) ORDER BY id;
            """);
        command.Parameters.AddWithValue("$u", username);
        command.Parameters.AddWithValue("$n", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var entries = new List<StaffAuditEntry>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new StaffAuditEntry(DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(0)), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4)));
        }

        return entries;
    }

    private static async Task<bool> AnotherAllSitesSupervisorAsync(SqliteConnection connection, SqliteTransaction transaction, string except, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, $"SELECT {Columns} FROM staff WHERE disabled = 0 AND role = $r AND username <> $u;");
        command.Parameters.AddWithValue("$r", StaffRole.Supervisor.ToWire());
        command.Parameters.AddWithValue("$u", except);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (Read(reader).IsAllSitesSupervisor)
            {
                return true;
            }
        }

        return false;
    }

    private static async Task AuditAsync(SqliteConnection connection, SqliteTransaction transaction, DateTimeOffset at, string actor, string username, string action, string detail, CancellationToken cancellationToken)
    {
        await using var insert = Command(connection, transaction, "INSERT INTO staff_audit (at, actor, username, action, detail) VALUES ($t, $a, $u, $action, $d);");
        insert.Parameters.AddWithValue("$t", at.ToUnixTimeMilliseconds());
        insert.Parameters.AddWithValue("$a", actor);
        insert.Parameters.AddWithValue("$u", username);
        insert.Parameters.AddWithValue("$action", action);
        insert.Parameters.AddWithValue("$d", detail);
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<StaffAccount?> FindAsync(SqliteConnection connection, SqliteTransaction? transaction, string username, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, $"SELECT {Columns} FROM staff WHERE username = $u;");
        command.Parameters.AddWithValue("$u", username);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    private static StaffAccount Read(SqliteDataReader reader)
    {
        // An unreadable role (edited by hand) grants the least.
        var role = StaffClaims.TryParseRole(reader.GetString(3), out var parsed) ? parsed : StaffRole.Viewer;
        return new StaffAccount(
            reader.GetString(0),
            reader.GetString(1),
            reader.GetString(2),
            role,
            reader.GetString(4).Split(',', StringSplitOptions.RemoveEmptyEntries),
            reader.GetInt64(5) != 0,
            reader.GetString(6),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
            reader.IsDBNull(8) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)),
            reader.IsDBNull(9) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9)))
        {
            Zones = ReadZones(reader.GetString(10)),
            OnDuty = reader.IsDBNull(11) ? null : reader.GetInt64(11) != 0,
        };
    }

    private static ZoneRef[] ReadZones(string json)
    {
        try
        {
            return [.. (JsonSerializer.Deserialize<string[]>(json) ?? []).Select(z => ZoneRef.TryParse(z, out var zone) ? zone : (ZoneRef?)null).OfType<ZoneRef>()];
        }
        catch (JsonException)
        {
            // Edited by hand beyond reading: no zones, as for a new account.
            return [];
        }
    }

    private static string DutyText(bool? onDuty) => onDuty switch { true => "on", false => "off", null => "roster" };

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => database.OpenConnectionAsync(cancellationToken);
}
