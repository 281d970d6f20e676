using MQTTnet;
using MQTTnet.Protocol;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.Domain.TimeSeries;

namespace RedProperty.Iot.FirmwareSim.Devices;

/// <summary>Who a simulated device is: its registry entry and plain secret.</summary>
public sealed record DeviceIdentity(string Site, string Id, DeviceKind Kind, string Secret, string? Circuit)
{
    public string UserName => $"{Site}/{Id}";

    public string Topic(DeviceChannel channel) => DeviceTopic.Format(Site, Kind, Id, channel);
}

/// <summary>
/// One device as its own MQTT client: logs in with its credentials, announces itself with a retained
/// <c>online</c>, leaves <c>offline</c> as its last will, and disconnects cleanly so nothing queued is lost.
/// </summary>
public sealed class SimulatedDevice : IAsyncDisposable
{
    private readonly MqttClientFactory _factory;
    private readonly MqttClientOptions _options;
    private IMqttClient _client;
    private long _seq;
    private readonly UniqueTimestamps _timestamps = new();

    /// <param name="clientIdSuffix">Lets a second connection of the same device (a benchmark probe) stand beside the first instead of taking it over.</param>
    public SimulatedDevice(DeviceIdentity identity, Uri broker, MqttClientFactory factory, string clientIdSuffix = "")
    {
        Identity = identity;
        _factory = factory;
        _client = factory.CreateMqttClient();
        var builder = new MqttClientOptionsBuilder()
            .WithClientId(identity.UserName + clientIdSuffix)
            .WithCredentials(identity.UserName, identity.Secret)
            .WithCleanSession(true)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
            .WithTimeout(TimeSpan.FromSeconds(15))
            .WithWillTopic(identity.Topic(DeviceChannel.Status))
            .WithWillPayload("offline")
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        builder = broker.Scheme is "ws" or "wss"
            ? builder.WithWebSocketServer(o => o.WithUri(broker.ToString()))
            : builder.WithTcpServer(broker.Host, broker.Port > 0 ? broker.Port : 1883);
        _options = builder.Build();
    }

    public DeviceIdentity Identity { get; }

    public bool IsConnected => _client.IsConnected;

    /// <summary>Connects and (unless the caller publishes it itself) the retained birth message; returns the broker's answer.</summary>
    public async Task<MqttClientConnectResultCode> ConnectAsync(CancellationToken cancellationToken, bool announce = true)
    {
        var result = await _client.ConnectAsync(_options, cancellationToken).ConfigureAwait(false);
        if (announce && result.ResultCode == MqttClientConnectResultCode.Success)
        {
            await PublishAsync(DeviceChannel.Status, "online", MqttQualityOfServiceLevel.AtLeastOnce, retain: true, cancellationToken).ConfigureAwait(false);
        }

        return result.ResultCode;
    }

    public Task<MqttClientPublishResult> PublishAsync(
        DeviceChannel channel, string payload, MqttQualityOfServiceLevel qos, bool retain, CancellationToken cancellationToken) =>
        PublishRawAsync(Identity.Topic(channel), payload, qos, retain, cancellationToken);

    public Task<MqttClientPublishResult> PublishRawAsync(
        string topic, string payload, MqttQualityOfServiceLevel qos, bool retain, CancellationToken cancellationToken) =>
        PublishRawAsync(topic, System.Text.Encoding.UTF8.GetBytes(payload), qos, retain, cancellationToken);

    public Task<MqttClientPublishResult> PublishRawAsync(
        string topic, byte[] payload, MqttQualityOfServiceLevel qos, bool retain, CancellationToken cancellationToken)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(qos)
            .WithRetainFlag(retain)
            .Build();
        return _client.PublishAsync(message, cancellationToken);
    }

    /// <summary>The next <c>seq</c> value for this device.</summary>
    public long NextSeq() => Interlocked.Increment(ref _seq);

    /// <summary>A device timestamp that never repeats (the hub stores one point per device and millisecond).</summary>
    public long NextTimestamp(long nowMs) => _timestamps.Next(nowMs);

    /// <summary>Announces <c>offline</c> (unless told not to) and disconnects cleanly (no last will needed).</summary>
    public async Task StopAsync(CancellationToken cancellationToken, bool announce = true)
    {
        if (!_client.IsConnected)
        {
            return;
        }

        if (announce)
        {
            await PublishAsync(DeviceChannel.Status, "offline", MqttQualityOfServiceLevel.AtLeastOnce, retain: true, cancellationToken).ConfigureAwait(false);
        }

        await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Drops the connection without a DISCONNECT, as a device losing power does (the broker sends the
    /// will); a later <see cref="ConnectAsync"/> comes back with a new connection.
    /// </summary>
    public void Crash()
    {
        _client.Dispose();
        _client = _factory.CreateMqttClient();
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
