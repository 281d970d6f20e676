namespace RedProperty.Iot.Hub.Configuration;

/// <summary>
/// <c>Staff:Login</c>: how wrong logins are slowed down (in memory, never locking an account) and how much
/// password hashing the login path may do at once.
/// </summary>
public sealed class StaffLoginOptions
{
    /// <summary>Password checks (PBKDF2, about 0.1 s of a core each) running at the same time.</summary>
    public int MaxConcurrentHashes { get; set; } = 2;

    /// <summary>Logins waiting for a check; beyond it a login is refused at once with 503 and Retry-After.</summary>
    public int HashQueue { get; set; } = 8;

    /// <summary>Login attempts per minute from one address, whatever their outcome (ASP.NET Core rate limiting).</summary>
    public int AttemptsPerMinute { get; set; } = 30;

    /// <summary>Wrong passwords for one user name from one address before each further one doubles the wait (1 s, 2 s, 4 s, …).</summary>
    public int FreeFailures { get; set; } = 3;

    /// <summary>Wrong passwords from one address, for any user names, before that address waits.</summary>
    public int AddressFreeFailures { get; set; } = 10;

    /// <summary>Wrong passwords for one user name from anywhere before it waits (from addresses it has not signed in from).</summary>
    public int UserFreeFailures { get; set; } = 10;

    /// <summary>Different addresses that must have failed for one user name before the per-user wait applies.</summary>
    public int UserAddresses { get; set; } = 3;

    /// <summary>The longest wait.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>An address the user signed in from within this many days is theirs: the per-user wait does not apply there.</summary>
    public int UsualAddressDays { get; set; } = 30;
}
