using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace RedProperty.Iot.Hub.Centre;

/// <summary>
/// The district centre (<c>Centre:*</c>, with <c>Hub:Role=centre</c>): which edge hubs report up and the sites each
/// of them owns. A change that names a site its edge does not own, or comes from an edge not listed, is dropped.
/// </summary>
public sealed class CentreOptions : IValidatableObject
{
    public const string Section = "Centre";

    /// <summary>Each edge's client id at the district broker and its sites: <c>Centre:Edges:edge-jiahua:0</c> = <c>jiahua</c>.</summary>
    public Dictionary<string, string[]> Edges { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The centre's own client id at the district broker for the edges' uplink (its persistent session).</summary>
    public string ClientId { get; set; } = "district-centre";

    /// <summary>An edge not heard from for this long is shown as silent.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "7.00:00:00")]
    public TimeSpan SilentAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>An action sent down that its edge has not answered within this is shown as refused (expired); edges refuse older commands too.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan CommandsValidFor { get; set; } = TimeSpan.FromHours(24);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (edge, sites) in Edges)
        {
            if (sites.Length == 0 || sites.Any(string.IsNullOrWhiteSpace))
            {
                yield return new ValidationResult($"Centre:Edges:{edge} must list the sites that edge owns", [nameof(Edges)]);
            }
        }

        var shared = Edges.SelectMany(e => e.Value.Select(site => (Edge: e.Key, Site: site))).GroupBy(e => e.Site).Where(g => g.Count() > 1).ToArray();
        foreach (var site in shared)
        {
            yield return new ValidationResult($"Centre:Edges: site '{site.Key}' is owned by more than one edge ({string.Join(", ", site.Select(e => e.Edge))})", [nameof(Edges)]);
        }
    }

    /// <summary>The edge that owns a site, if any.</summary>
    public string? EdgeOf(string site) => Edges.FirstOrDefault(e => e.Value.Contains(site, StringComparer.Ordinal)).Key;
}

[OptionsValidator]
public sealed partial class CentreOptionsValidator : IValidateOptions<CentreOptions>;
