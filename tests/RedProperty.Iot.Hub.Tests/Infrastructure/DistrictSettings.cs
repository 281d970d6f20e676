namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>The settings of a district centre in tests: external mode on the district broker, the edges and the sites each owns.</summary>
internal static class DistrictSettings
{
    /// <param name="registry">The centre's registry file (<see cref="TestRegistry.Write"/>).</param>
    public static Dictionary<string, string?> Centre(string registry, MosquittoServer district, params (string Edge, string Site)[] edges)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Hub:Registry"] = registry,
            ["Hub:Role"] = "centre",
            ["Influx:Version"] = "none",
            ["Mqtt:Mode"] = "external",
            ["Mqtt:ExternalUrl"] = district.Url.ToString(),
            ["Mqtt:ClientId"] = "centre-devices",
            ["Centre:ClientId"] = "centre-uplinks",
        };
        foreach (var group in edges.GroupBy(e => e.Edge))
        {
            foreach (var (site, n) in group.Select((e, n) => (e.Site, n)))
            {
                settings[$"Centre:Edges:{group.Key}:{n}"] = site;
            }
        }

        return settings;
    }
}
