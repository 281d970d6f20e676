using System.Text.Json;

namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>
/// Debian's victoria-metrics: it accepts InfluxDB.Client's v2 writes on <c>/api/v2/write</c>, so it is
/// the real server for the hub's v2 path here (InfluxDB 1.6 has no v2 write API).
/// </summary>
public sealed class VictoriaMetricsServer : ExternalServer
{
    public VictoriaMetricsServer()
        : base("victoria-metrics")
    {
    }

    protected override string Executable => "/usr/bin/victoria-metrics";

    protected override IEnumerable<string> Arguments =>
    [
        $"-httpListenAddr=127.0.0.1:{Port}",
        $"-storageDataPath={DataDir}",
        "-retentionPeriod=100y",
        "-search.latencyOffset=0s",
        "-loggerLevel=ERROR",
    ];

    protected override string ReadinessPath => "/health";

    /// <summary>Exported samples of a metric (VictoriaMetrics names InfluxDB fields <c>{measurement}_{field}</c>).</summary>
    public async Task<IReadOnlyList<JsonElement>> ExportAsync(string matcher)
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri(Url, $"/api/v1/export?match[]={Uri.EscapeDataString(matcher)}"));
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToArray();
    }
}
