using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Options;

namespace RedProperty.Iot.Hub.Configuration;

/// <summary>The <c>Hub</c> section.</summary>
public sealed class HubOptions
{
    public const string Section = "Hub";

    /// <summary>Ingest journal, kept registry, alert database and snapshots.</summary>
    [Required]
    public string DataDir { get; set; } = "./data";

    /// <summary>Path of the registry JSON; without it no device can log in.</summary>
    public string? Registry { get; set; }

    /// <summary>PBKDF2 work factor for secrets hashed at import.</summary>
    [Range(1000, 10_000_000)]
    public int SecretHashIterations { get; set; } = DeviceSecretHasher.DefaultIterations;

    /// <summary>The sites this instance owns (ingests, watches for silence); empty: every site of the registry.</summary>
    public string[] Sites { get; set; } = [];

    /// <summary>
    /// <c>edge</c> (the default): a hub of its own compounds. <c>centre</c>: also the district's read model of the
    /// compounds whose edge hubs report up (<c>Centre:*</c>, with <c>Mqtt:Mode=external</c> on the district broker).
    /// </summary>
    [AllowedValues("edge", "centre")]
    public string Role { get; set; } = "edge";

    public bool IsCentre => Role == "centre";
}

/// <summary>The <c>Mqtt</c> section.</summary>
public sealed class MqttOptions : IValidatableObject
{
    public const string Section = "Mqtt";

    /// <summary>MQTT over TCP; 0 picks a free port (tests).</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 1883;

    /// <summary>Address the MQTT TCP listener binds to.</summary>
    public string BindAddress { get; set; } = "0.0.0.0";

    /// <summary>
    /// <c>embedded</c>: the hub is the devices' broker. <c>external</c>: the hub is a client of an existing broker
    /// or cluster (<see cref="ExternalUrl"/>), which then authenticates devices and enforces their ACLs.
    /// </summary>
    [RegularExpression("^(embedded|external)$", ErrorMessage = "Mqtt:Mode must be embedded or external")]
    public string Mode { get; set; } = "embedded";

    public bool IsExternal => Mode == "external";

    /// <summary>The external broker: mqtt://host:1883, mqtts://host:8883 or ws(s)://host/mqtt.</summary>
    public string? ExternalUrl { get; set; }

    /// <summary>This instance's fixed client id on the external broker: its persistent session (unacknowledged messages) is kept under it.</summary>
    public string? ClientId { get; set; }

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>MQTT over TLS, opened when <c>Tls:CertificatePath</c> is set; 0 picks a free port (tests).</summary>
    [Range(0, 65535)]
    public int TlsPort { get; set; } = 8883;

    /// <summary>
    /// Embedded broker: accounts (a district's platform) that may only subscribe to the monthly
    /// reports of their sites, <c>rp/{site}/report/monthly</c>.
    /// </summary>
    public List<MqttReaderOptions> Readers { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IPAddress.TryParse(BindAddress, out _))
        {
            yield return new ValidationResult($"Mqtt:BindAddress '{BindAddress}' is not an IP address", [nameof(BindAddress)]);
        }

        if (!IsExternal)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(ExternalUrl) || !Uri.TryCreate(ExternalUrl, UriKind.Absolute, out var url) || url.Scheme is not ("mqtt" or "mqtts" or "tcp" or "ws" or "wss"))
        {
            yield return new ValidationResult($"Mqtt:Mode=external needs Mqtt:ExternalUrl such as mqtt://broker:1883 (got '{ExternalUrl}')", [nameof(ExternalUrl)]);
        }

        if (string.IsNullOrWhiteSpace(ClientId))
        {
            yield return new ValidationResult("Mqtt:Mode=external needs Mqtt:ClientId, fixed per hub instance (the broker keeps its session under it)", [nameof(ClientId)]);
        }
    }
}

/// <summary>A read-only broker account for reports: user name (no '/'), PBKDF2 secret hash (<c>hash-secret</c>), sites.</summary>
public sealed class MqttReaderOptions
{
    public string Username { get; set; } = string.Empty;

    public string SecretHash { get; set; } = string.Empty;

    public List<string> Sites { get; set; } = [];
}

/// <summary>The certificate for MQTT over TLS (<c>Mqtt:TlsPort</c>) and for https:// URLs in <c>Http:Urls</c>.</summary>
public sealed class TlsOptions : IValidatableObject
{
    public const string Section = "Tls";

    /// <summary>A PEM certificate (with <see cref="KeyPath"/>) or a PKCS#12 file (.pfx/.p12, with <see cref="Password"/>).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key of a PEM certificate (may be the same file).</summary>
    public string? KeyPath { get; set; }

    public string? Password { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrEmpty(CertificatePath) && (!string.IsNullOrEmpty(KeyPath) || !string.IsNullOrEmpty(Password)))
        {
            yield return new ValidationResult("Tls:KeyPath or Tls:Password is set but Tls:CertificatePath is not", [nameof(CertificatePath)]);
        }
    }
}

public enum InfluxVersion
{
    None,
    V1,
    V2,
}

/// <summary>The <c>Influx</c> section: where the shipper writes the journal's points.</summary>
public sealed class InfluxOptions : IValidatableObject
{
    public const string Section = "Influx";

    /// <summary><c>2</c> (InfluxDB.Client, v2 write API), <c>1</c> (<c>/write</c>) or <c>none</c> (points stay in the journal).</summary>
    public string Version { get; set; } = "none";

    public string? Url { get; set; }

    public string? Org { get; set; }

    public string? Bucket { get; set; }

    public string? Token { get; set; }

    public string? Database { get; set; }

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>Most points in one write.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 5000;

    /// <summary>
    /// How long a batch waits for more points before it is written (PUBACKs do not wait for it: they wait for the
    /// journal). 0 writes as soon as the previous write is done: lowest delay to InfluxDB, but at moderate rates one
    /// HTTP request per few points, which costs the hub and influxd more CPU than the points themselves.
    /// </summary>
    [Range(0, 60_000)]
    public int BatchDelayMs { get; set; } = 100;

    /// <summary>A write that takes longer counts as InfluxDB being unreachable (the points wait in the journal).</summary>
    [Range(100, 600_000)]
    public int TimeoutMs { get; set; } = 5000;

    public InfluxVersion ParsedVersion => Version.Trim().ToLowerInvariant() switch
    {
        "1" or "v1" => InfluxVersion.V1,
        "2" or "v2" => InfluxVersion.V2,
        _ => InfluxVersion.None,
    };

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var version = Version.Trim().ToLowerInvariant();
        if (version is not ("1" or "v1" or "2" or "v2" or "none"))
        {
            yield return new ValidationResult($"Influx:Version '{Version}' must be 1, 2 or none", [nameof(Version)]);
            yield break;
        }

        if (ParsedVersion != InfluxVersion.None && !Uri.TryCreate(Url, UriKind.Absolute, out _))
        {
            yield return new ValidationResult($"Influx:Url '{Url}' must be an absolute URL when Influx:Version is {Version}", [nameof(Url)]);
        }

        if (ParsedVersion == InfluxVersion.V1 && string.IsNullOrWhiteSpace(Database))
        {
            yield return new ValidationResult("Influx:Database is required when Influx:Version is 1", [nameof(Database)]);
        }

        if (ParsedVersion == InfluxVersion.V2)
        {
            if (string.IsNullOrWhiteSpace(Org))
            {
                yield return new ValidationResult("Influx:Org is required when Influx:Version is 2", [nameof(Org)]);
            }

            if (string.IsNullOrWhiteSpace(Bucket))
            {
                yield return new ValidationResult("Influx:Bucket is required when Influx:Version is 2", [nameof(Bucket)]);
            }
        }
    }
}

[OptionsValidator]
public sealed partial class HubOptionsValidator : IValidateOptions<HubOptions>;

[OptionsValidator]
public sealed partial class MqttOptionsValidator : IValidateOptions<MqttOptions>;

[OptionsValidator]
public sealed partial class TlsOptionsValidator : IValidateOptions<TlsOptions>;

[OptionsValidator]
public sealed partial class InfluxOptionsValidator : IValidateOptions<InfluxOptions>;
