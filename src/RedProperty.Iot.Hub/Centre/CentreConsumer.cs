using System.Text.Json;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using Prometheus;
using RedProperty.Iot.Hub.ChangeLog;
using RedProperty.Iot.Hub.Configuration;
using RedProperty.Iot.Hub.Metrics;
using RedProperty.Iot.Hub.Storage;

namespace RedProperty.Iot.Hub.Centre;

/// <summary>
/// Reads the edges' changes from the district broker (<c>rp/+/uplink/changes</c>) over a persistent session and
/// acknowledges each only once it is stored (<see cref="EdgeStore"/>): a centre that stops or is killed gets what it
/// had not stored again from the broker, and a change it had stored is recognised by its number. A change is
/// trusted only for a site its edge owns (<c>Centre:Edges</c>) and that the centre's registry has; the rest is
/// dropped and counted (<c>rp_hub_centre_changes_refused_total</c>).
/// </summary>
public sealed partial class CentreConsumer(
    IOptions<CentreOptions> centre, IOptions<MqttOptions> mqtt, EdgeStore store, EdgeAlertsLive live, DeskChangeFeed feed, EdgeCommands commands, MonthlyReportStore reports, DeviceRegistry registry,
    HubMetrics metrics, TimeProvider time, ILogger<CentreConsumer> logger) : BackgroundService
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Counter _refused = Prometheus.Metrics.WithCustomRegistry(metrics.Registry).CreateCounter(
        "rp_hub_centre_changes_refused_total", "Edge changes the centre dropped, by reason (malformed, unknown_site, not_owner).", "reason");

    private readonly Counter _received = Prometheus.Metrics.WithCustomRegistry(metrics.Registry).CreateCounter(
        "rp_hub_centre_changes_total", "Edge changes the centre stored (applied) or recognised as already stored (duplicate).", "outcome");

    public bool IsConnected { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var open in await store.OpenAsync(stoppingToken).ConfigureAwait(false))
        {
            live.Show(open);
        }

        using var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e => OnChangeAsync(e, stoppingToken);
        var backoff = TimeSpan.FromSeconds(1);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    if (!client.IsConnected)
                    {
                        IsConnected = false;
                        var result = await client.ConnectAsync(ClientOptions(), stoppingToken).ConfigureAwait(false);
                        if (result.ResultCode != MqttClientConnectResultCode.Success)
                        {
                            throw new InvalidOperationException($"the district broker refused the centre's login: {result.ResultCode}");
                        }

                        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                            .WithTopicFilter($"{DeviceTopic.Root}/+/uplink/changes", MqttQualityOfServiceLevel.AtLeastOnce)
                            .WithTopicFilter($"{DeviceTopic.Root}/+/uplink/report-monthly", MqttQualityOfServiceLevel.AtLeastOnce)
                            .WithTopicFilter($"{DeviceTopic.Root}/+/uplink/replies", MqttQualityOfServiceLevel.AtLeastOnce)
                            .WithTopicFilter($"{DeviceTopic.Root}/+/uplink/heartbeat", MqttQualityOfServiceLevel.AtMostOnce)
                            .Build(), stoppingToken).ConfigureAwait(false);
                        IsConnected = true;
                        backoff = TimeSpan.FromSeconds(1);
                        LogConnected(logger, mqtt.Value.ExternalUrl!, centre.Value.ClientId, result.IsSessionPresent);
                    }

                    await commands.SendDueAsync(client, stoppingToken).ConfigureAwait(false);
                    await commands.WaitForWorkAsync(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Adapter.MqttConnectingFailedException or InvalidOperationException
                    || (e is OperationCanceledException && !stoppingToken.IsCancellationRequested))
                {
                    IsConnected = false;
                    LogUnreachable(logger, mqtt.Value.ExternalUrl!, e.Message, backoff.TotalSeconds);
                    await Task.Delay(backoff, stoppingToken).ConfigureAwait(false);
                    backoff = TimeSpan.FromSeconds(Math.Min(backoff.TotalSeconds * 2, 30));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        IsConnected = false;
        if (client.IsConnected)
        {
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task OnChangeAsync(MqttApplicationMessageReceivedEventArgs e, CancellationToken stoppingToken)
    {
        var message = e.ApplicationMessage;
        if (message.Topic.EndsWith("/uplink/report-monthly", StringComparison.Ordinal))
        {
            e.AutoAcknowledge = false;
            await StoreReportAsync(message, stoppingToken).ConfigureAwait(false);
            await e.AcknowledgeAsync(stoppingToken).ConfigureAwait(false);
            return;
        }

        if (message.Topic.EndsWith("/uplink/heartbeat", StringComparison.Ordinal))
        {
            if (ReadHeartbeat(message) is { } heartbeat)
            {
                await store.HeardAsync(heartbeat.Edge, heartbeat.Head, time.GetUtcNow(), stoppingToken).ConfigureAwait(false);
            }

            return;
        }

        if (message.Topic.EndsWith("/uplink/replies", StringComparison.Ordinal))
        {
            e.AutoAcknowledge = false;
            if (ReadReply(message) is { } reply)
            {
                await commands.TakeReplyAsync(reply, stoppingToken).ConfigureAwait(false);
            }

            await e.AcknowledgeAsync(stoppingToken).ConfigureAwait(false);
            return;
        }

        var change = Read(message);
        if (change is null)
        {
            return;
        }

        // Stored first, acknowledged after: a crash in between gets the change again, which the store recognises.
        e.AutoAcknowledge = false;
        var (outcome, desk) = await store.ApplyAsync(change, time.GetUtcNow(), stoppingToken).ConfigureAwait(false);
        _received.WithLabels(outcome == EdgeChangeOutcome.Applied ? "applied" : "duplicate").Inc();
        await e.AcknowledgeAsync(stoppingToken).ConfigureAwait(false);
        if (desk is DeskChange.AlertChanged alert)
        {
            live.Show(alert.Alert);
        }

        if (desk is not null)
        {
            // Committed: the centre's desks get it live, as they get the centre's own changes.
            feed.Publish(desk);
        }
    }

    /// <summary>
    /// Keeps an edge's monthly snapshot byte for byte (its SHA-256 must be the one it names), as published: the
    /// district ranking scores the compound by it. A snapshot already kept for that month is not replaced.
    /// </summary>
    private async Task StoreReportAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        var site = message.Topic.Split('/') is [_, var s, "uplink", "report-monthly"] ? s : null;
        string? Property(string name) => message.UserProperties?.FirstOrDefault(p => p.Name == name) is { } p ? System.Text.Encoding.UTF8.GetString(p.ValueBuffer.Span) : null;
        var edge = Property("edge");
        var payload = System.Text.Encoding.UTF8.GetString(System.Buffers.BuffersExtensions.ToArray(message.Payload));
        var sha256 = Reports.MonthlyReport.Sha256Of(payload);
        if (site is null || Reports.MonthlyReport.TryRead(payload) is not { } report || report.Site != site || Property("sha256") is { } named && named != sha256)
        {
            Refused<object>("malformed", message.Topic, edge);
            return;
        }

        if (!registry.SitesById.ContainsKey(site))
        {
            Refused<object>("unknown_site", message.Topic, edge);
            return;
        }

        if (edge is null || !centre.Value.Edges.TryGetValue(edge, out var sites) || !sites.Contains(site, StringComparer.Ordinal))
        {
            Refused<object>("not_owner", message.Topic, edge);
            return;
        }

        if (await reports.StoreMonthlyReportAsync(site, report.Month, report.ComputedAt, payload, sha256, cancellationToken).ConfigureAwait(false))
        {
            // Published by its edge: the centre does not publish it again.
            await reports.MarkMonthlyReportPublishedAsync(site, report.Month, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            LogReport(logger, site, report.Month, edge);
        }
    }

    /// <summary>
    /// What an edge sent on <c>rp/{site}/uplink/{kind}</c>, or null (counted and logged) when it cannot be trusted: not
    /// JSON or not <paramref name="wellFormed"/> (with a site in the body other than the topic's), a site the
    /// centre's registry lacks, or one its edge does not own. The broker's ACL lets each edge publish only under its
    /// own sites; the centre checks the same again.
    /// </summary>
    private T? ReadFromEdge<T>(MqttApplicationMessage message, string kind, Func<T, string?> edgeOf, Func<T, string?> siteOf, Func<T, bool> wellFormed)
        where T : class
    {
        var topicSite = message.Topic.Split('/') is [_, var site, "uplink", var topicKind] && topicKind == kind ? site : null;
        T? body;
        try
        {
            var reader = new Utf8JsonReader(message.Payload);
            body = JsonSerializer.Deserialize<T>(ref reader, Json);
        }
        catch (JsonException)
        {
            body = null;
        }

        var edge = body is null ? null : edgeOf(body);
        if (body is null || topicSite is null || edge is null || siteOf(body) is { } named && named != topicSite || !wellFormed(body))
        {
            return Refused<T>("malformed", message.Topic, edge);
        }

        if (!registry.SitesById.ContainsKey(topicSite))
        {
            return Refused<T>("unknown_site", message.Topic, edge);
        }

        if (!centre.Value.Edges.TryGetValue(edge, out var sites) || !sites.Contains(topicSite, StringComparer.Ordinal))
        {
            return Refused<T>("not_owner", message.Topic, edge);
        }

        return body;
    }

    private EdgeChange? Read(MqttApplicationMessage message) =>
        ReadFromEdge<EdgeChange>(message, "changes", c => c.Edge, c => c.Site ?? string.Empty, c => c.Event is not null && c.Data.ValueKind == JsonValueKind.Object);

    private Uplink.UplinkHeartbeat? ReadHeartbeat(MqttApplicationMessage message) =>
        ReadFromEdge<Uplink.UplinkHeartbeat>(message, "heartbeat", h => h.Edge, _ => null, _ => true);

    private Uplink.CentreCommandReply? ReadReply(MqttApplicationMessage message) =>
        ReadFromEdge<Uplink.CentreCommandReply>(message, "replies", r => r.Edge, r => r.Site ?? string.Empty, r => r.Id is not null && r.Outcome is not null);

    private T? Refused<T>(string reason, string topic, string? edge)
        where T : class
    {
        _refused.WithLabels(reason).Inc();
        LogRefused(logger, topic, edge ?? "?", reason);
        return null;
    }

    private MqttClientOptions ClientOptions() =>
        BrokerClient.PersistentSession(mqtt.Value.ExternalUrl!, centre.Value.ClientId, mqtt.Value.Username, mqtt.Value.Password);

    [LoggerMessage(Level = LogLevel.Information, Message = "Centre reading the edges' changes from {Broker} as {ClientId} (session resumed: {Resumed})")]
    private static partial void LogConnected(ILogger logger, string broker, string clientId, bool resumed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "District broker {Broker} unreachable ({Reason}); retrying in {Seconds} s")]
    private static partial void LogUnreachable(ILogger logger, string broker, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kept the {Month} monthly report of {Site} from edge {Edge}")]
    private static partial void LogReport(ILogger logger, string site, string month, string edge);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped an edge change on {Topic} from edge {Edge}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string topic, string edge, string reason);
}
