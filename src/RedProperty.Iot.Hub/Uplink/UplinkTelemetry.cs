using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using Prometheus;
using RedProperty.Iot.Hub.Configuration;
using RedProperty.Iot.Hub.Devices;
using RedProperty.Iot.Hub.Journal;
using RedProperty.Iot.Hub.Metrics;
using RedProperty.Iot.Hub.Sites;
using RedProperty.Iot.Hub.Storage;

namespace RedProperty.Iot.Hub.Uplink;

/// <summary>One device reading as it goes up: the device, when the edge received it, and its point in line protocol (as the edge's InfluxDB gets it).</summary>
public sealed record UplinkReading(string DeviceId, string Kind, DateTimeOffset At, string Line);

/// <summary>A batch of one compound's readings on <c>rp/{site}/uplink/telemetry</c>; <see cref="Through"/> is the edge's journal position after it.</summary>
public sealed record UplinkTelemetryBatch(string Edge, string Site, long Through, IReadOnlyList<UplinkReading> Readings);

/// <summary>
/// Sends the devices' telemetry up (<c>Uplink:Telemetry</c> = <c>all</c>, or <c>downsampled</c>: per device at most one
/// reading per <c>Uplink:TelemetryInterval</c>, the first of each interval), read from the ingest journal after its
/// own cursor (consumer <c>uplink-telemetry</c>), in order and at least once: the journal lets records go only once
/// the district broker has them. A link down for long is bounded by <c>Journal:MaxBytes</c>: the journal then lets
/// the oldest readings go for this reader, counted in <c>rp_hub_uplink_telemetry_total{outcome="dropped"}</c>.
/// Its own client (<c>{Uplink:ClientId}-telemetry</c>), so readings never hold up an alert change.
/// </summary>
public sealed partial class UplinkTelemetry : BackgroundService
{
    public const string Consumer = "uplink-telemetry";
    private const int BatchSize = 500;
    private static readonly TimeSpan CursorEvery = TimeSpan.FromSeconds(1);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly UplinkOptions _options;
    private readonly IngestJournal _journal;
    private readonly ConsumerCursorStore _cursors;
    private readonly DeviceStates _devices;
    private readonly SiteOwnership _ownership;
    private readonly ILogger<UplinkTelemetry> _logger;
    private readonly Counter _readings;
    private readonly Dictionary<string, long> _lastSentMs = new(StringComparer.Ordinal);
    private JournalReader? _reader;
    private long _droppedCounted;

    public UplinkTelemetry(IOptions<UplinkOptions> options, IngestJournal journal, ConsumerCursorStore cursors, DeviceStates devices, SiteOwnership ownership, HubMetrics metrics, ILogger<UplinkTelemetry> logger)
    {
        _options = options.Value;
        _journal = journal;
        _journal.ExpectReader(Consumer);
        _cursors = cursors;
        _devices = devices;
        _ownership = ownership;
        _logger = logger;
        _readings = Prometheus.Metrics.WithCustomRegistry(metrics.Registry).CreateCounter(
            "rp_hub_uplink_telemetry_total", "Device readings sent up (sent), left out by downsampling (skipped), and let go by the journal before they went up (dropped).", "outcome");
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var after = await _cursors.LoadAsync(Consumer, cancellationToken).ConfigureAwait(false) ?? 0;
        _reader = _journal.OpenReader(Consumer, after, mayDropOldest: true);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        _reader?.Dispose();
        _reader = null;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = _reader!;
        using var client = new MqttClientFactory().CreateMqttClient();
        var records = new List<JournalRecord>(BatchSize);
        var stored = reader.Position;
        var storedAt = TimeProvider.System.GetTimestamp();
        var backoff = TimeSpan.FromSeconds(1);
        (List<UplinkTelemetryBatch> Batches, long Through)? pending = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    if (!client.IsConnected)
                    {
                        var result = await client.ConnectAsync(BrokerClient.PersistentSession(_options.Url!, $"{_options.ClientId}-telemetry", _options.Username, _options.Password), stoppingToken).ConfigureAwait(false);
                        if (result.ResultCode != MqttClientConnectResultCode.Success)
                        {
                            throw new InvalidOperationException($"the district broker refused the edge's telemetry login: {result.ResultCode}");
                        }

                        backoff = TimeSpan.FromSeconds(1);
                    }

                    if (pending is null)
                    {
                        if (!await reader.TryReadWithinAsync(records, BatchSize, CursorEvery, stoppingToken).ConfigureAwait(false))
                        {
                            // A quiet spell: the position goes to hub.db.
                            if (reader.Position > stored)
                            {
                                stored = reader.Position;
                                await _cursors.SaveAsync(new ConsumerCursor(Consumer, stored), stoppingToken).ConfigureAwait(false);
                            }

                            continue;
                        }

                        CountDropped(reader);
                        var through = records[^1].Sequence;
                        pending = (Batches(records, through).ToList(), through);
                    }

                    // Until the broker takes them, the same batches are sent again (the reader does not go back).
                    while (pending.Value.Batches.Count > 0)
                    {
                        var batch = pending.Value.Batches[0];
                        var sent = await client.PublishAsync(new MqttApplicationMessageBuilder()
                            .WithTopic(TopicOf(batch.Site))
                            .WithPayload(JsonSerializer.SerializeToUtf8Bytes(batch, Json))
                            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                            .WithContentType("application/json")
                            .Build(), stoppingToken).ConfigureAwait(false);
                        if (!sent.IsSuccess)
                        {
                            throw new InvalidOperationException($"the district broker did not take {batch.Readings.Count} readings of {batch.Site}: {sent.ReasonCode} {sent.ReasonString}");
                        }

                        _readings.WithLabels("sent").Inc(batch.Readings.Count);
                        pending.Value.Batches.RemoveAt(0);
                    }

                    // The broker has them: the journal may let these records go; the cursor goes to hub.db now and then
                    // (a reading sent twice after a crash is the same point at the same time).
                    reader.Advance(pending.Value.Through);
                    pending = null;
                    if (TimeProvider.System.GetElapsedTime(storedAt) >= CursorEvery)
                    {
                        stored = reader.Position;
                        storedAt = TimeProvider.System.GetTimestamp();
                        await _cursors.SaveAsync(new ConsumerCursor(Consumer, stored), stoppingToken).ConfigureAwait(false);
                    }
                }
                catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Adapter.MqttConnectingFailedException or InvalidOperationException
                    || (e is OperationCanceledException && !stoppingToken.IsCancellationRequested))
                {
                    LogUnreachable(_logger, _options.Url!, e.Message, backoff.TotalSeconds);
                    await Task.Delay(backoff, stoppingToken).ConfigureAwait(false);
                    backoff = TimeSpan.FromSeconds(Math.Min(backoff.TotalSeconds * 2, 30));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        if (reader.Position > stored)
        {
            await _cursors.SaveAsync(new ConsumerCursor(Consumer, reader.Position), CancellationToken.None).ConfigureAwait(false);
        }

        if (client.IsConnected)
        {
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), CancellationToken.None).ConfigureAwait(false);
        }
    }

    public static string TopicOf(string site) => $"{DeviceTopic.Root}/{site}/uplink/telemetry";

    /// <summary>The telemetry readings of this edge's sites among the records, downsampled as configured, one batch per site.</summary>
    private IEnumerable<UplinkTelemetryBatch> Batches(List<JournalRecord> records, long through)
    {
        var bySite = new Dictionary<string, List<UplinkReading>>(StringComparer.Ordinal);
        var intervalMs = (long)_options.TelemetryInterval.TotalMilliseconds;
        foreach (var record in records)
        {
            if (!IngestRecord.TryRead(record.Data.Span, out var entry) || entry.Kind != IngestRecordKind.DeviceMessage || entry.Channel != DeviceChannel.Telemetry
                || !_devices.TryGet(entry.UserName, out var state) || !_ownership.Owns(state.Device.Site))
            {
                continue;
            }

            var device = state.Device;
            if (_options.Telemetry == UplinkTelemetryMode.Downsampled)
            {
                if (_lastSentMs.TryGetValue(device.UserName, out var last) && entry.ReceivedAtMs - last < intervalMs)
                {
                    _readings.WithLabels("skipped").Inc();
                    continue;
                }

                _lastSentMs[device.UserName] = entry.ReceivedAtMs;
            }

            if (!bySite.TryGetValue(device.Site, out var readings))
            {
                bySite[device.Site] = readings = [];
            }

            readings.Add(new UplinkReading(device.Id, device.Kind.ToWire(), entry.ReceivedAt, Encoding.UTF8.GetString(entry.Line)));
        }

        return bySite.Select(s => new UplinkTelemetryBatch(_options.ClientId!, s.Key, through, s.Value));
    }

    private void CountDropped(JournalReader reader)
    {
        var dropped = reader.DroppedRecords;
        if (dropped > _droppedCounted)
        {
            _readings.WithLabels("dropped").Inc(dropped - _droppedCounted);
            LogDropped(_logger, dropped - _droppedCounted);
            _droppedCounted = dropped;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telemetry uplink to {Broker} down ({Reason}); retrying in {Seconds} s; readings wait in the journal")]
    private static partial void LogUnreachable(ILogger logger, string broker, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "The journal let {Count} readings go before they went up to the district (Journal:MaxBytes reached while the link was down)")]
    private static partial void LogDropped(ILogger logger, long count);
}
