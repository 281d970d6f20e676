using System.Globalization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;

namespace RedProperty.Iot.Hub.Staff;

public enum LoginResult
{
    Success,
    Invalid,
    LockedOut,
}

/// <summary>
/// Staff accounts in the hub's database, passwords hashed with ASP.NET Core's password hasher
/// (PBKDF2). After <see cref="MaxFailedLogins"/> wrong passwords an account is locked for
/// <see cref="LockoutDuration"/>; unknown user names cost a hash too, so timing does not tell them apart.
/// </summary>
public sealed class StaffDirectory(string databasePath, TimeProvider time)
{
    public const int MaxFailedLogins = 5;

    public static readonly TimeSpan LockoutDuration = TimeSpan.FromMinutes(15);

    private static readonly StaffAccount Nobody = new("-", "-", new PasswordHasher<StaffAccount>().HashPassword(null!, Guid.NewGuid().ToString()), StaffRole.Viewer, [], 0, null);

    private readonly PasswordHasher<StaffAccount> _hasher = new();
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<bool> AnyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM staff);";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) == 1;
    }

    /// <summary>Creates an account; false when the user name is taken.</summary>
    public async Task<bool> CreateAsync(string username, string displayName, string password, StaffRole role, IReadOnlyList<string> sites, CancellationToken cancellationToken = default)
    {
        var account = new StaffAccount(username, displayName, string.Empty, role, sites, 0, null);
        var hash = _hasher.HashPassword(account, password);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT OR IGNORE INTO staff (username, display_name, password_hash, role, sites, created_at) VALUES ($u, $d, $h, $r, $s, $t);";
        command.Parameters.AddWithValue("$u", username);
        command.Parameters.AddWithValue("$d", displayName);
        command.Parameters.AddWithValue("$h", hash);
        command.Parameters.AddWithValue("$r", role.ToWire());
        command.Parameters.AddWithValue("$s", string.Join(',', sites));
        command.Parameters.AddWithValue("$t", time.GetUtcNow().ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    public async Task<(LoginResult Result, StaffAccount? Account)> VerifyAsync(string username, string password, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var account = await FindAsync(username, cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            var verdict = _hasher.VerifyHashedPassword(account ?? Nobody, (account ?? Nobody).PasswordHash, password);
            if (account is null)
            {
                return (LoginResult.Invalid, null);
            }

            if (account.LockedUntil > now)
            {
                return (LoginResult.LockedOut, null);
            }

            if (verdict == PasswordVerificationResult.Failed)
            {
                var failures = account.FailedLogins + 1;
                DateTimeOffset? lockedUntil = failures >= MaxFailedLogins ? now + LockoutDuration : null;
                await UpdateLoginStateAsync(account.Username, failures >= MaxFailedLogins ? 0 : failures, lockedUntil, null, cancellationToken).ConfigureAwait(false);
                return (lockedUntil is null ? LoginResult.Invalid : LoginResult.LockedOut, null);
            }

            var rehash = verdict == PasswordVerificationResult.SuccessRehashNeeded ? _hasher.HashPassword(account, password) : null;
            await UpdateLoginStateAsync(account.Username, 0, null, rehash, cancellationToken).ConfigureAwait(false);
            return (LoginResult.Success, account);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<StaffAccount?> FindAsync(string username, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT username, display_name, password_hash, role, sites, failed_logins, locked_until FROM staff WHERE username = $u;";
        command.Parameters.AddWithValue("$u", username);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        StaffClaims.TryParseRole(reader.GetString(3), out var role);
        return new StaffAccount(
            reader.GetString(0),
            reader.GetString(1),
            reader.GetString(2),
            role,
            reader.GetString(4).Split(',', StringSplitOptions.RemoveEmptyEntries),
            reader.GetInt32(5),
            reader.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)));
    }

    private async Task UpdateLoginStateAsync(string username, int failures, DateTimeOffset? lockedUntil, string? newHash, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE staff SET failed_logins = $f, locked_until = $l, password_hash = COALESCE($h, password_hash) WHERE username = $u;";
        command.Parameters.AddWithValue("$f", failures);
        command.Parameters.AddWithValue("$l", (object?)lockedUntil?.ToUnixTimeMilliseconds() ?? DBNull.Value);
        command.Parameters.AddWithValue("$h", (object?)newHash ?? DBNull.Value);
        command.Parameters.AddWithValue("$u", username);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, DefaultTimeout = 30 }.ToString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }
}
