using System.Security.Claims;

namespace RedProperty.Iot.Hub.Staff;

/// <summary>What a member of staff may do: viewers see, operators also acknowledge and resolve, supervisors also administer.</summary>
public enum StaffRole
{
    Viewer,
    Operator,
    Supervisor,
}

/// <summary>
/// A staff account. <see cref="SecurityStamp"/> changes with every change of password, role, sites or
/// access; tokens and cookies carry the stamp they were issued with and stop working when it changes.
/// </summary>
public sealed record StaffAccount(
    string Username,
    string DisplayName,
    string PasswordHash,
    StaffRole Role,
    IReadOnlyList<string> Sites,
    bool Disabled,
    string SecurityStamp,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ChangedAt,
    DateTimeOffset? LastLoginAt)
{
    /// <summary>The zones (grids) this member of staff looks after: new alerts there are dispatched to them first.</summary>
    public IReadOnlyList<ZoneRef> Zones { get; init; } = [];

    /// <summary>On or off duty as the desk set it; null: as the weekly roster (<c>Field:Roster</c>) says.</summary>
    public bool? OnDuty { get; init; }

    /// <summary>In <see cref="Sites"/>: every site of the hub.</summary>
    public const string AllSites = "*";

    public bool HasAllSites => Sites.Contains(AllSites);

    /// <summary>An enabled supervisor of every site: the hub needs at least one.</summary>
    public bool IsAllSitesSupervisor => !Disabled && Role == StaffRole.Supervisor && HasAllSites;
}

public static class StaffClaims
{
    public const string Site = "rp:site";

    /// <summary>The account's security stamp when the token or cookie was issued.</summary>
    public const string Stamp = "rp:stamp";

    public static string ToWire(this StaffRole role) => role.ToString().ToLowerInvariant();

    public static bool TryParseRole(string? text, out StaffRole role) => Enum.TryParse(text, ignoreCase: true, out role) && Enum.IsDefined(role) && !int.TryParse(text, out _);

    public static ClaimsPrincipal Principal(StaffAccount account, string scheme) => new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.Name, account.Username),
            new Claim("name", account.DisplayName),
            new Claim(ClaimTypes.Role, account.Role.ToWire()),
            new Claim(Stamp, account.SecurityStamp),
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

    public static StaffRole? RoleOf(ClaimsPrincipal user) =>
        TryParseRole(user.FindFirstValue(ClaimTypes.Role), out var role) ? role : null;
}
