using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Configuration;

namespace RedProperty.Iot.Hub.Sites;

/// <summary>
/// Which sites this hub instance owns (<c>Hub:Sites</c>, default all): when a district's compounds are
/// spread over several instances on one broker, each ingests and watches only its own.
/// </summary>
public sealed class SiteOwnership
{
    private readonly HashSet<string> _owned;
    private readonly HashSet<string> _ofEdges;

    public SiteOwnership(IOptions<HubOptions> options, DeviceRegistry registry, IOptions<Centre.CentreOptions> centre)
    {
        var configured = options.Value.Sites.Where(s => !string.IsNullOrWhiteSpace(s)).ToArray();
        var unknown = configured.Where(s => !registry.SitesById.ContainsKey(s)).ToArray();
        if (unknown.Length > 0)
        {
            throw new InvalidOperationException($"Hub:Sites names site(s) the registry does not have: {string.Join(", ", unknown)}");
        }

        // At a centre, a compound with an edge hub is the edge's: its devices report there, its alerts and reports come up.
        _ofEdges = options.Value.IsCentre ? centre.Value.Edges.Values.SelectMany(sites => sites).ToHashSet(StringComparer.Ordinal) : [];
        var unknownOfEdges = _ofEdges.Where(s => !registry.SitesById.ContainsKey(s)).Order(StringComparer.Ordinal).ToArray();
        if (unknownOfEdges.Length > 0)
        {
            throw new InvalidOperationException($"Centre:Edges names site(s) the registry does not have: {string.Join(", ", unknownOfEdges)}");
        }

        _owned = configured.Length > 0 ? configured.ToHashSet(StringComparer.Ordinal) : registry.Sites.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        _owned.ExceptWith(_ofEdges);
    }

    public IReadOnlyCollection<string> Owned => _owned;

    public bool Owns(string site) => _owned.Contains(site);

    /// <summary>At a centre: a site whose edge hub owns it (its alerts and monthly reports come up from the edge).</summary>
    public bool IsEdgeSite(string site) => _ofEdges.Contains(site);
}
