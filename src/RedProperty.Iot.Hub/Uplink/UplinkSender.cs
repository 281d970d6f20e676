using System.Text.Json;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using Prometheus;
using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.ChangeLog;
using RedProperty.Iot.Hub.Configuration;
using RedProperty.Iot.Hub.Metrics;
using RedProperty.Iot.Hub.Sites;
using RedProperty.Iot.Hub.Storage;

namespace RedProperty.Iot.Hub.Uplink;

/// <summary>
/// Forwards the edge hub's change log (alert changes with their audit trail, device status changes) to the district
/// broker, in order and at least once: each change is published with QoS 1 and the next only after the broker's
/// PUBACK; the position is kept in <c>hub.db</c> (consumer <c>uplink</c>) after each batch, so a link that is down
/// for hours, or a hub killed mid-batch, resumes where the broker last acknowledged. Each compound's monthly report
/// goes up too, once the district broker has taken it (<c>uplinked_at</c> in hub.db). The change log keeps 7 days
/// (and at least the newest 10 000 changes): what was pruned before it went up is counted as dropped.
/// </summary>
public sealed partial class UplinkSender(
    IOptions<UplinkOptions> options, ChangeLogStore changeLog, ConsumerCursorStore cursors, MonthlyReportStore reports, AlertService alerts, SiteOwnership ownership,
    CentreCommandInbox commands, HubMetrics metrics, TimeProvider time, ILogger<UplinkSender> logger) : BackgroundService
{
    public const string Consumer = "uplink";

    private const int BatchSize = 200;
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan ReportsEvery = TimeSpan.FromSeconds(10);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Counter _sent = Prometheus.Metrics.WithCustomRegistry(metrics.Registry).CreateCounter(
        "rp_hub_uplink_changes_total", "Changes sent up to the district broker (sent), and those pruned from the change log before they went up (dropped).", "outcome");

    private readonly Gauge _backlog = Prometheus.Metrics.WithCustomRegistry(metrics.Registry).CreateGauge(
        "rp_hub_uplink_backlog_changes", "Changes of this hub's sites not yet acknowledged by the district broker (change-log numbers between).");

    private readonly Gauge _connected = Prometheus.Metrics.WithCustomRegistry(metrics.Registry).CreateGauge(
        "rp_hub_uplink_connected", "1 while the uplink is connected to the district broker.");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += async e =>
        {
            // Acknowledged only once what became of the command is stored: a hub killed before gets it again.
            e.AutoAcknowledge = false;
            await commands.HandleAsync(e.ApplicationMessage.Topic, e.ApplicationMessage.Payload, stoppingToken).ConfigureAwait(false);
            await e.AcknowledgeAsync(stoppingToken).ConfigureAwait(false);
        };
        var position = await cursors.LoadAsync(Consumer, stoppingToken).ConfigureAwait(false) ?? 0;
        var backoff = TimeSpan.FromSeconds(1);
        var reportsChecked = DateTimeOffset.MinValue;
        var heartbeatSent = DateTimeOffset.MinValue;
        try
        {
            // The cadence is the machine's (TimeProvider.System), whatever clock the hub's records use.
            using var timer = new PeriodicTimer(PollEvery, TimeProvider.System);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    if (!client.IsConnected)
                    {
                        await ConnectAsync(client, stoppingToken).ConfigureAwait(false);
                        backoff = TimeSpan.FromSeconds(1);
                    }

                    position = await SendBacklogAsync(client, position, stoppingToken).ConfigureAwait(false);
                    await SendRepliesAsync(client, stoppingToken).ConfigureAwait(false);
                    if (TimeProvider.System.GetUtcNow() - heartbeatSent >= options.Value.HeartbeatEvery)
                    {
                        await SendHeartbeatAsync(client, position, stoppingToken).ConfigureAwait(false);
                        heartbeatSent = TimeProvider.System.GetUtcNow();
                    }
                    if (TimeProvider.System.GetUtcNow() - reportsChecked >= ReportsEvery)
                    {
                        await SendReportsAsync(client, stoppingToken).ConfigureAwait(false);
                        reportsChecked = TimeProvider.System.GetUtcNow();
                    }

                    await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Adapter.MqttConnectingFailedException or InvalidOperationException
                    || (e is OperationCanceledException && !stoppingToken.IsCancellationRequested))
                {
                    _connected.Set(0);
                    LogUnreachable(logger, options.Value.Url!, e.Message, backoff.TotalSeconds);
                    // While the link is down the backlog grows: the gauge says so, not what it was when the link went.
                    _backlog.Set(Math.Max(0, await changeLog.LastSeqAsync(stoppingToken).ConfigureAwait(false) - position));
                    await Task.Delay(backoff, stoppingToken).ConfigureAwait(false);
                    backoff = TimeSpan.FromSeconds(Math.Min(backoff.TotalSeconds * 2, 30));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        _connected.Set(0);
        if (client.IsConnected)
        {
            // A clean DISCONNECT keeps the session at the district broker.
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task ConnectAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        var result = await client.ConnectAsync(ClientOptions(), cancellationToken).ConfigureAwait(false);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"the district broker refused the edge's login: {result.ResultCode}");
        }

        if (commands.Enabled && ownership.Owned.Count > 0)
        {
            // The subscription lives in the persistent session: commands sent while the link was down wait at the broker.
            var subscribe = new MqttClientSubscribeOptionsBuilder();
            foreach (var site in ownership.Owned)
            {
                subscribe.WithTopicFilter(CentreCommand.Topic(site), MqttQualityOfServiceLevel.AtLeastOnce);
            }

            await client.SubscribeAsync(subscribe.Build(), cancellationToken).ConfigureAwait(false);
        }

        _connected.Set(1);
        LogConnected(logger, options.Value.Url!, options.Value.ClientId!, result.IsSessionPresent);
    }

    /// <summary>Sends every change after <paramref name="position"/>, batch by batch; returns the new position.</summary>
    private async Task<long> SendBacklogAsync(IMqttClient client, long position, CancellationToken cancellationToken)
    {
        var last = await changeLog.LastSeqAsync(cancellationToken).ConfigureAwait(false);
        _backlog.Set(Math.Max(0, last - position));
        if (last <= position)
        {
            return position;
        }

        if (!await changeLog.CanCatchUpFromAsync(position, cancellationToken).ConfigureAwait(false))
        {
            // Pruned (or a data directory that was reset): what is gone is counted, the rest still goes up.
            var oldest = await changeLog.OldestSeqAsync(cancellationToken).ConfigureAwait(false);
            var lost = oldest > position ? oldest - position - 1 : 0;
            _sent.WithLabels("dropped").Inc(lost);
            LogDropped(logger, lost, position, oldest);
            position = oldest > position ? oldest - 1 : 0;
            await cursors.SaveAsync(new ConsumerCursor(Consumer, position), cancellationToken).ConfigureAwait(false);
        }

        while (true)
        {
            var batch = await changeLog.ChangesSinceAsync(position, ownership.Owned, BatchSize, cancellationToken).ConfigureAwait(false);
            if (batch.Count == 0)
            {
                // Nothing of this hub's sites after the position (other instances' sites): move past it.
                if (last > position)
                {
                    position = last;
                    await cursors.SaveAsync(new ConsumerCursor(Consumer, position), cancellationToken).ConfigureAwait(false);
                }

                _backlog.Set(0);
                return position;
            }

            foreach (var change in batch)
            {
                var message = await MessageOfAsync(change, cancellationToken).ConfigureAwait(false);
                var result = await client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
                if (!result.IsSuccess)
                {
                    throw new InvalidOperationException($"the district broker did not take change {change.Seq}: {result.ReasonCode} {result.ReasonString}");
                }

                _sent.WithLabels("sent").Inc();
            }

            position = batch[^1].Seq;
            await cursors.SaveAsync(new ConsumerCursor(Consumer, position), cancellationToken).ConfigureAwait(false);
            _backlog.Set(Math.Max(0, last - position));
        }
    }

    /// <summary>Tells the district, under each of this edge's compounds, that it is alive and how far its change log goes.</summary>
    private async Task SendHeartbeatAsync(IMqttClient client, long position, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new UplinkHeartbeat(options.Value.ClientId!, Math.Max(position, await changeLog.LastSeqAsync(cancellationToken).ConfigureAwait(false)), time.GetUtcNow()), Json);
        foreach (var site in ownership.Owned)
        {
            await client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(UplinkMessage.HeartbeatTopic(site))
                .WithPayload(body)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce)
                .WithContentType("application/json")
                .Build(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends what became of the centre's commands, each until the district broker has taken it.</summary>
    private async Task SendRepliesAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        if (!commands.Enabled)
        {
            return;
        }

        foreach (var reply in await commands.UnrepliedAsync(BatchSize, cancellationToken).ConfigureAwait(false))
        {
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(CentreCommandReply.Topic(reply.Site))
                .WithPayload(CentreCommandInbox.ReplyBody(reply))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithContentType("application/json")
                .Build();
            var result = await client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                throw new InvalidOperationException($"the district broker did not take the reply to command {reply.Id}: {result.ReasonCode} {result.ReasonString}");
            }

            await commands.MarkRepliedAsync(reply.Id, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends each stored monthly report the district broker has not taken yet, oldest month first, byte for byte as
    /// it was stored (its SHA-256 holds), retained, on <c>rp/{site}/uplink/report-monthly</c>.
    /// </summary>
    private async Task SendReportsAsync(IMqttClient client, CancellationToken cancellationToken)
    {
        foreach (var report in await reports.NotUplinkedAsync(ownership.Owned, cancellationToken).ConfigureAwait(false))
        {
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(UplinkMessage.ReportTopic(report.Site))
                .WithPayload(System.Text.Encoding.UTF8.GetBytes(report.Payload))
                .WithRetainFlag()
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithContentType("application/json")
                .WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData)
                .WithUserProperty("edge", System.Text.Encoding.UTF8.GetBytes(options.Value.ClientId!))
                .WithUserProperty("month", System.Text.Encoding.UTF8.GetBytes(report.Month))
                .WithUserProperty("sha256", System.Text.Encoding.UTF8.GetBytes(report.Sha256))
                .Build();
            var result = await client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
            if (!result.IsSuccess)
            {
                throw new InvalidOperationException($"the district broker did not take the {report.Month} report of {report.Site}: {result.ReasonCode} {result.ReasonString}");
            }

            await reports.MarkUplinkedAsync(report.Site, report.Month, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            LogReportSent(logger, report.Site, report.Month);
        }
    }

    private async Task<MqttApplicationMessage> MessageOfAsync(StoredChange change, CancellationToken cancellationToken)
    {
        using var payload = JsonDocument.Parse(change.Payload);
        var data = payload.RootElement.Clone();
        IReadOnlyList<Views.AlertTransitionView>? trail = null;
        if (change.Event is DeskEvents.AlertRaised or DeskEvents.AlertUpdated
            && data.TryGetProperty("id", out var id) && id.TryGetGuid(out var alertId)
            && await alerts.DetailAsync(alertId, cancellationToken).ConfigureAwait(false) is { } detail)
        {
            // The trail as it is now: at least every step up to this change (a receiver keeps the newest).
            trail = detail.History;
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(new UplinkMessage(options.Value.ClientId!, change.Seq, change.Site, change.Event, time.GetUtcNow(), data, trail), Json);
        return new MqttApplicationMessageBuilder()
            .WithTopic(UplinkMessage.Topic(change.Site))
            .WithPayload(body)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithContentType("application/json")
            .WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData)
            .Build();
    }

    private MqttClientOptions ClientOptions() =>
        BrokerClient.PersistentSession(options.Value.Url!, options.Value.ClientId!, options.Value.Username, options.Value.Password);

    [LoggerMessage(Level = LogLevel.Information, Message = "Uplink to {Broker} as {ClientId} (session resumed: {Resumed})")]
    private static partial void LogConnected(ILogger logger, string broker, string clientId, bool resumed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Uplink to {Broker} down ({Reason}); retrying in {Seconds} s; changes wait in the change log")]
    private static partial void LogUnreachable(ILogger logger, string broker, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Uplink sent the {Month} monthly report of {Site}")]
    private static partial void LogReportSent(ILogger logger, string site, string month);

    [LoggerMessage(Level = LogLevel.Error, Message = "Uplink lost {Count} change(s) after {Position}: the change log was pruned up to {Oldest} before they went up")]
    private static partial void LogDropped(ILogger logger, long count, long position, long oldest);
}
