using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace RedProperty.Iot.Hub.Staff;

/// <summary>The <c>Staff</c> section.</summary>
public sealed class StaffOptions : IValidatableObject
{
    public const string Section = "Staff";

    public BootstrapAdminOptions BootstrapAdmin { get; set; } = new();

    /// <summary>
    /// How long a session's check against its account (stamp, disabled) is trusted before the database is read
    /// again; changes made through the API take effect at once, others within 1.5 times this.
    /// </summary>
    public TimeSpan SessionCheck { get; set; } = TimeSpan.FromSeconds(30);

    public StaffLoginOptions Login { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (SessionCheck < TimeSpan.FromSeconds(1) || SessionCheck > TimeSpan.FromMinutes(5))
        {
            yield return new ValidationResult("Staff:SessionCheck must be from 00:00:01 to 00:05:00");
        }

        foreach (var problem in Login.Problems())
        {
            yield return new ValidationResult(problem);
        }
    }
}

public sealed class BootstrapAdminOptions
{
    public string? Username { get; set; }

    public string? Password { get; set; }
}

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

    internal IEnumerable<string> Problems()
    {
        if (MaxConcurrentHashes is < 1 or > 64)
        {
            yield return "Staff:Login:MaxConcurrentHashes must be from 1 to 64";
        }

        if (HashQueue is < 0 or > 1000)
        {
            yield return "Staff:Login:HashQueue must be from 0 to 1000";
        }

        if (AttemptsPerMinute is < 1 or > 6000)
        {
            yield return "Staff:Login:AttemptsPerMinute must be from 1 to 6000";
        }

        if (FreeFailures < 1)
        {
            yield return "Staff:Login:FreeFailures must be 1 or more";
        }

        if (AddressFreeFailures < 1)
        {
            yield return "Staff:Login:AddressFreeFailures must be 1 or more";
        }

        if (UserFreeFailures < 1)
        {
            yield return "Staff:Login:UserFreeFailures must be 1 or more";
        }

        if (UserAddresses < 2)
        {
            yield return "Staff:Login:UserAddresses must be 2 or more (one address alone never slows a user down everywhere)";
        }

        if (MaxDelay < TimeSpan.FromSeconds(1) || MaxDelay > TimeSpan.FromDays(1))
        {
            yield return "Staff:Login:MaxDelay must be from 00:00:01 to 1.00:00:00";
        }

        if (UsualAddressDays < 0)
        {
            yield return "Staff:Login:UsualAddressDays must be 0 or more";
        }
    }
}

[OptionsValidator]
public sealed partial class StaffOptionsValidator : IValidateOptions<StaffOptions>;
