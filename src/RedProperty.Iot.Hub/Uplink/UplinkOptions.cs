using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace RedProperty.Iot.Hub.Uplink;

/// <summary>
/// The edge hub's link to the district (<c>Uplink:*</c>, off while <see cref="Url"/> is empty): the district
/// broker it forwards its changes to, over a persistent MQTT session under its own credentials.
/// </summary>
public sealed class UplinkOptions : IValidatableObject
{
    public const string Section = "Uplink";

    /// <summary>The district broker: <c>mqtt://host:1883</c>, <c>mqtts://host:8883</c> (TLS), <c>ws://</c> or <c>wss://</c>.</summary>
    public string? Url { get; set; }

    /// <summary>This edge box's client id at the district broker; its persistent session is kept under it.</summary>
    public string? ClientId { get; set; }

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>
    /// The district centre's public command key (<c>centre-command.pub.pem</c> from the centre's data directory). With it
    /// the edge takes the centre's signed commands on <c>rp/{site}/downlink/commands</c>; without it, none.
    /// </summary>
    public string? CentreKeyFile { get; set; }

    /// <summary>
    /// While the link is down the change log keeps what has not gone up, beyond its 7 days, up to this many changes;
    /// past that the oldest go and are counted as dropped when the link returns.
    /// </summary>
    [Range(typeof(long), "10000", "100000000")]
    public long MaxBacklogChanges { get; set; } = 1_000_000;

    /// <summary>Whether the devices' telemetry goes up too: <c>none</c>, <c>all</c>, or <c>downsampled</c> (per device, at most one reading per <see cref="TelemetryInterval"/>).</summary>
    public UplinkTelemetryMode Telemetry { get; set; } = UplinkTelemetryMode.None;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan TelemetryInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the edge tells the district it is alive (and its newest change number); keep <c>Centre:SilentAfter</c> a few of these.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan HeartbeatEvery { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A command from the centre older than this when it arrives is not carried out (refused as expired).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan CommandsValidFor { get; set; } = TimeSpan.FromHours(24);

    public bool Enabled => !string.IsNullOrWhiteSpace(Url);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled)
        {
            yield break;
        }

        if (!Uri.TryCreate(Url, UriKind.Absolute, out var url) || url.Scheme is not ("mqtt" or "mqtts" or "ws" or "wss"))
        {
            yield return new ValidationResult($"Uplink:Url '{Url}' must be mqtt://, mqtts://, ws:// or wss:// with the district broker's host", [nameof(Url)]);
        }

        if (string.IsNullOrWhiteSpace(ClientId))
        {
            yield return new ValidationResult("Uplink:ClientId is required with Uplink:Url: the district broker keeps this edge's session under it", [nameof(ClientId)]);
        }

        if (!string.IsNullOrWhiteSpace(CentreKeyFile) && !File.Exists(CentreKeyFile))
        {
            yield return new ValidationResult($"Uplink:CentreKeyFile '{CentreKeyFile}' does not exist: copy centre-command.pub.pem from the centre's data directory", [nameof(CentreKeyFile)]);
        }

        if (string.IsNullOrEmpty(Username) != string.IsNullOrEmpty(Password))
        {
            yield return new ValidationResult("Uplink:Username and Uplink:Password go together", [nameof(Username)]);
        }
    }
}

public enum UplinkTelemetryMode
{
    None,
    All,
    Downsampled,
}

[OptionsValidator]
public sealed partial class UplinkOptionsValidator : IValidateOptions<UplinkOptions>;
