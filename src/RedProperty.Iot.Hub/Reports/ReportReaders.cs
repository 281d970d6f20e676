using RedProperty.Iot.Hub.Configuration;

namespace RedProperty.Iot.Hub.Reports;

/// <summary>A broker account that may only read the monthly reports of its sites.</summary>
public sealed class ReportReader(string userName, string secretHash, IReadOnlySet<string> sites)
{
    public string UserName { get; } = userName;

    public string SecretHash { get; } = secretHash;

    public IReadOnlySet<string> Sites { get; } = sites;

    /// <summary><c>rp/{site}/report/monthly</c> or <c>rp/{site}/report/#</c> of one of its sites; no wildcard over sites.</summary>
    public bool MaySubscribe(string filter)
    {
        var parts = filter.Split('/');
        return parts.Length == 4 && Sites.Contains(parts[1])
            && (filter == MonthlyReport.Topic(parts[1]) || filter == $"{DeviceTopic.Root}/{parts[1]}/report/#");
    }
}

/// <summary>The report readers of <c>Mqtt:Readers</c>, checked at start.</summary>
public sealed class ReportReaders
{
    private readonly Dictionary<string, ReportReader> _byName = new(StringComparer.Ordinal);

    public ReportReaders(MqttOptions options, DeviceRegistry registry)
    {
        var problems = new List<string>();
        for (var i = 0; i < options.Readers.Count; i++)
        {
            var r = options.Readers[i];
            var at = $"Mqtt:Readers:{i}";
            if (string.IsNullOrWhiteSpace(r.Username) || r.Username.Contains('/', StringComparison.Ordinal))
            {
                problems.Add($"{at}:Username must be set and contain no '/' (device logins are site/device)");
            }
            else if (_byName.ContainsKey(r.Username))
            {
                problems.Add($"{at}:Username '{r.Username}' is listed twice");
            }

            if (!DeviceSecretHasher.IsWellFormed(r.SecretHash))
            {
                problems.Add($"{at}:SecretHash must be a {DeviceSecretHasher.Scheme} or {DeviceSecretHasher.GeneratedScheme} hash (make one with: redproperty-hub hash-secret)");
            }

            var unknown = r.Sites.Where(s => !registry.SitesById.ContainsKey(s)).ToArray();
            if (r.Sites.Count == 0 || unknown.Length > 0)
            {
                problems.Add($"{at}:Sites must name sites of the registry{(unknown.Length > 0 ? $" (unknown: {string.Join(", ", unknown)})" : string.Empty)}");
            }

            _byName.TryAdd(r.Username, new ReportReader(r.Username, r.SecretHash, r.Sites.ToHashSet(StringComparer.Ordinal)));
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException($"Mqtt:Readers has {problems.Count} problem(s):{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems));
        }
    }

    public bool TryFind(string? userName, out ReportReader reader) => _byName.TryGetValue(userName ?? string.Empty, out reader!);
}
