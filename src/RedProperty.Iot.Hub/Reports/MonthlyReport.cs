using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using RedProperty.Iot.Domain.Reports;
using RedProperty.Iot.Hub.Storage;

namespace RedProperty.Iot.Hub.Reports;

/// <summary>
/// A site's service-quality report for a calendar month as it is stored and published on
/// <c>rp/{site}/report/monthly</c>: the figures, the score with its weights, and whether the hub's
/// records cover the whole month.
/// </summary>
public sealed record MonthlyReport(
    string Schema,
    string Site,
    string SiteName,
    string TimeZone,
    string Month,
    DateTimeOffset From,
    DateTimeOffset To,
    DateTimeOffset ComputedAt,
    DateTimeOffset RecordsSince,
    bool Complete,
    double Score,
    IReadOnlyDictionary<string, double> ScoreParts,
    ScoreWeights Weights,
    SiteServiceQuality Figures)
{
    /// <summary>
    /// Version 2 added the figures' asOf, ended and hasRecords, and the pending and cleared-unattended alert figures.
    /// Version 3 counts the on-site promise by arrival (shareCriticalOnSiteWithinSla, mean and p90 minutes to
    /// arrive) where versions 1 and 2 counted critical alerts resolved in time (shareCriticalResolvedWithinSla).
    /// Version 4 adds the residents' reports (figures.residents).
    /// </summary>
    public const string SchemaName = "rp-report-monthly/4";

    /// <summary>The schemas this hub reads back (stored snapshots are never rewritten): older ones lack the later additions.</summary>
    private static readonly string[] Readable = ["rp-report-monthly/1", "rp-report-monthly/2", "rp-report-monthly/3", SchemaName];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string Topic(string site) => $"{DeviceTopic.Root}/{site}/report/monthly";

    public static string MonthOf(ReportPeriod period) => period.From.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>A stored report read back; null if it cannot be (a schema this hub does not know).</summary>
    public static MonthlyReport? TryRead(string payload)
    {
        try
        {
            var report = JsonSerializer.Deserialize<MonthlyReport>(payload, Json);
            return report is not null && Readable.Contains(report.Schema) ? report : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static string Sha256Of(string payload) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(payload)));

    /// <summary>The retained MQTT message of a stored report (QoS 1, its month as a user property).</summary>
    public static MqttApplicationMessage MessageOf(StoredMonthlyReport report) => new MqttApplicationMessageBuilder()
        .WithTopic(Topic(report.Site))
        .WithPayload(Encoding.UTF8.GetBytes(report.Payload))
        .WithRetainFlag()
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .WithContentType("application/json")
        .WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData)
        .WithUserProperty("month", Encoding.UTF8.GetBytes(report.Month))
        .WithUserProperty("sha256", Encoding.UTF8.GetBytes(report.Sha256))
        .Build();
}
