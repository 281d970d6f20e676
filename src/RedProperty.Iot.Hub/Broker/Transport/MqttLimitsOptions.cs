using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace RedProperty.Iot.Hub.Broker.Transport;

/// <summary>
/// The <c>Mqtt:Limits</c> section: what one client may cost the embedded broker. The defaults fit an
/// edge box with 1-4 GB and a compound's devices; docs/security.md explains each.
/// </summary>
public sealed class MqttLimitsOptions
{
    public const string Section = "Mqtt:Limits";

    /// <summary>Largest packet after login, checked from its fixed header before its body is buffered (a payload may be 16 KiB).</summary>
    [Range(17_408, 16_777_216)]
    public int MaxPacketBytes { get; set; } = 65_536;

    /// <summary>Largest CONNECT: credentials, client id and last will.</summary>
    [Range(256, 65_536)]
    public int MaxConnectBytes { get; set; } = 8_192;

    /// <summary>MQTT connections at once, over TCP, TLS and WebSockets together.</summary>
    [Range(1, 1_000_000)]
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>MQTT connections at once from one remote address (devices behind one NAT share an address).</summary>
    [Range(1, 1_000_000)]
    public int MaxConnectionsPerAddress { get; set; } = 1_000;

    /// <summary>Time from opening the connection to a complete CONNECT packet.</summary>
    [Range(1, 300)]
    public int ConnectTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// Longest keep-alive: a client asking for 0 (none) or more is given this one (MQTT 5 Server Keep Alive),
    /// and any client silent for 1.5 times its keep-alive is disconnected.
    /// </summary>
    [Range(1, 65_535)]
    public int MaxKeepAliveSeconds { get; set; } = 600;

    /// <summary>QoS 1/2 publishes a client may have sent and not yet had acknowledged (MQTT 5 Receive Maximum).</summary>
    [Range(1, 65_535)]
    public int MaxInflightPerClient { get; set; } = 32;

    /// <summary>Failed logins from one address, or for one user name, before refusals are delayed.</summary>
    [Range(0, 1_000)]
    public int FreeFailedLogins { get; set; } = 5;

    /// <summary>The longest delay a refused login is answered after (the delay doubles with each further failure).</summary>
    [Range(0, 3_600)]
    public int MaxLoginDelaySeconds { get; set; } = 30;

    /// <summary>Every refused login is answered after at least this long, whatever the reason, so time tells nothing.</summary>
    [Range(0, 10_000)]
    public int MinRefusalDelayMs { get; set; } = 250;

    /// <summary>Key-stretched (PBKDF2) secret checks running at once; the rest wait in a short queue.</summary>
    [Range(1, 64)]
    public int SecretChecksAtOnce { get; set; } = 1;

    /// <summary>Key-stretched secret checks waiting at most; beyond it a login is refused as "server busy".</summary>
    [Range(0, 100_000)]
    public int SecretCheckQueue { get; set; } = 64;

    public TimeSpan ConnectTimeout => TimeSpan.FromSeconds(ConnectTimeoutSeconds);
}

[OptionsValidator]
public sealed partial class MqttLimitsOptionsValidator : IValidateOptions<MqttLimitsOptions>;
