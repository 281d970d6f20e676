using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;

namespace RedProperty.Iot.Hub.Staff;

/// <summary>
/// A company's compounds as an account's sites: <c>company:{name}</c> in an account's sites stands for every site
/// the registry gives that company (its <c>company</c> field), now and as the registry changes. Expanded into the
/// account's site claims on every request, so <c>CanSee</c> and every site check read them as plain sites; the
/// company entry itself stays, and only someone who has it (or every site) may grant it.
/// </summary>
public sealed class CompanySites(DeviceRegistry registry) : IClaimsTransformation
{
    public const string Prefix = "company:";

    /// <summary>The company an account's site entry names, or null for a site id or "*".</summary>
    public static string? CompanyOf(string entry) => entry.StartsWith(Prefix, StringComparison.Ordinal) ? entry[Prefix.Length..] : null;

    public Task<ClaimsPrincipal> TransformAsync(ClaimsPrincipal principal)
    {
        var have = principal.FindAll(StaffClaims.Site).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        var companies = have.Select(CompanyOf).OfType<string>().ToHashSet(StringComparer.Ordinal);
        if (companies.Count == 0)
        {
            return Task.FromResult(principal);
        }

        var added = registry.Sites.Where(s => s.Company is { } company && companies.Contains(company) && !have.Contains(s.Id)).Select(s => new Claim(StaffClaims.Site, s.Id)).ToArray();
        if (added.Length > 0)
        {
            // Transformations may run more than once per request: a second run finds the sites there and adds nothing.
            principal.AddIdentity(new ClaimsIdentity(added));
        }

        return Task.FromResult(principal);
    }
}
