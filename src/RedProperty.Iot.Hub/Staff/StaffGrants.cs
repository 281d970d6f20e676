using System.Security.Claims;

namespace RedProperty.Iot.Hub.Staff;

/// <summary>
/// Who may grant and manage what. Nobody grants more than they have: a role up to their own, sites they
/// have ("*" only by someone who has "*"). A supervisor manages only accounts whose sites are all its own
/// (a site supervisor cannot touch an all-sites account) and never its own role, sites or access: another
/// supervisor must, so nobody widens their own rights or locks themselves out by mistake.
/// </summary>
public static class StaffGrants
{
    public static bool IsSelf(this ClaimsPrincipal caller, StaffAccount account) =>
        string.Equals(caller.Identity?.Name, account.Username, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether the caller has every one of these sites ("*" only if it has "*", a company only if it has that company or "*").</summary>
    public static bool HasSites(this ClaimsPrincipal caller, IEnumerable<string> sites) =>
        StaffClaims.SitesOf(caller) is not { } own || sites.All(s => s != StaffAccount.AllSites && own.Contains(s));

    public static bool CanGrant(this ClaimsPrincipal caller, StaffRole role) => StaffClaims.RoleOf(caller) is { } own && role <= own;

    public static bool CanManage(this ClaimsPrincipal caller, StaffAccount account) =>
        caller.IsAtLeast(StaffRole.Supervisor) && caller.CanGrant(account.Role) && caller.HasSites(account.Sites);

    /// <summary>
    /// Checks a requested list of sites: at least one, each a site or a company (<c>company:{name}</c>) of the registry, or "*" alone. Returns the
    /// problem, or null with the list without duplicates.
    /// </summary>
    public static string? CheckSites(IReadOnlyList<string>? sites, DeviceRegistry registry, out IReadOnlyList<string> checkedSites)
    {
        checkedSites = [];
        if (sites is not { Count: > 0 } || sites.Any(string.IsNullOrWhiteSpace))
        {
            return "at least one site id, or \"*\" for all";
        }

        var distinct = sites.Distinct(StringComparer.Ordinal).ToArray();
        if (distinct.Contains(StaffAccount.AllSites))
        {
            if (distinct.Length > 1)
            {
                return "\"*\" stands alone: it already means every site";
            }

            checkedSites = distinct;
            return null;
        }

        var companies = registry.Sites.Select(s => s.Company).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var unknownCompanies = distinct.Select(CompanySites.CompanyOf).OfType<string>().Where(c => !companies.Contains(c)).ToArray();
        if (unknownCompanies.Length > 0)
        {
            return $"not a company of this hub's registry: {string.Join(", ", unknownCompanies)}";
        }

        var unknown = distinct.Where(s => CompanySites.CompanyOf(s) is null && !registry.SitesById.ContainsKey(s)).ToArray();
        if (unknown.Length > 0)
        {
            return $"not a site of this hub: {string.Join(", ", unknown)}";
        }

        checkedSites = distinct;
        return null;
    }
}
