using System.Security.Claims;

namespace RedProperty.Iot.Hub.Staff;

/// <summary>What a member of staff may do: viewers see, operators also acknowledge and resolve, supervisors also administer.</summary>
public enum StaffRole
{
    Viewer,
    Operator,
    Supervisor,
}

public sealed record StaffAccount(
    string Username,
    string DisplayName,
    string PasswordHash,
    StaffRole Role,
    IReadOnlyList<string> Sites,
    int FailedLogins,
    DateTimeOffset? LockedUntil)
{
    /// <summary>In <see cref="Sites"/>: every site of the hub.</summary>
    public const string AllSites = "*";
}

public static class StaffClaims
{
    public const string Site = "rp:site";

    public static string ToWire(this StaffRole role) => role.ToString().ToLowerInvariant();

    public static bool TryParseRole(string? text, out StaffRole role) => Enum.TryParse(text, ignoreCase: true, out role) && Enum.IsDefined(role);

    public static ClaimsPrincipal Principal(StaffAccount account, string scheme) => new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.Name, account.Username),
            new Claim("name", account.DisplayName),
            new Claim(ClaimTypes.Role, account.Role.ToWire()),
            .. account.Sites.Select(s => new Claim(Site, s)),
        ],
        scheme,
        ClaimTypes.Name,
        ClaimTypes.Role));

    /// <summary>The sites this user may see; null means all of them.</summary>
    public static IReadOnlySet<string>? SitesOf(ClaimsPrincipal user)
    {
        var sites = user.FindAll(Site).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        return sites.Contains(StaffAccount.AllSites) ? null : sites;
    }

    public static bool CanSee(this ClaimsPrincipal user, string site) => SitesOf(user) is not { } sites || sites.Contains(site);

    public static bool IsAtLeast(this ClaimsPrincipal user, StaffRole role) =>
        TryParseRole(user.FindFirstValue(ClaimTypes.Role), out var actual) && actual >= role;
}
