using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using MQTTnet;
using MQTTnet.Protocol;

namespace RedProperty.Iot.FirmwareSim.Commands;

/// <summary>
/// <c>district-load</c>: <c>--edges</c> simulated edge hubs (<c>edge-1</c> … owning <c>court-1</c> …) publish their
/// uplink to a district broker as an edge hub does (<c>rp/{site}/uplink/changes</c>, QoS 1, each edge's changes
/// numbered upwards from the clock in µs, so runs follow each other): each alert raised, acknowledged and resolved
/// (three changes, so the open alerts stay few, as in a real district), at <c>--rate</c> changes a second in all.
/// With <c>--rate 0</c> each edge sends its next change once the previous one has arrived (one in flight per edge):
/// the rate the receiver takes at saturation. With <c>--hub</c> a desk signed in at the centre times each change to
/// its <c>alertRaised</c>/<c>alertUpdated</c>; without it (the peer) a plain MQTT subscriber times it to its arrival
/// from the broker. Prints what arrived, the rate it arrived at, and the latency percentiles.
/// </summary>
public static class DistrictLoadCommand
{
    public static async Task<int> RunAsync(Uri broker, Uri? hub, string? username, string? password, int edges, double rate, TimeSpan duration, TextWriter output, CancellationToken cancellationToken)
    {
        // A hundred and one MQTT clients in one process on a small machine: threads ready, so no client waits for the pool.
        ThreadPool.SetMinThreads(Math.Max(64, edges + 16), Math.Max(64, edges + 16));
        var sentAt = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var awaited = new ConcurrentDictionary<string, TaskCompletionSource>(StringComparer.Ordinal);
        var latencies = new ConcurrentQueue<double>();
        long firstSent = 0, lastArrived = 0;

        void Arrived(string key)
        {
            if (sentAt.TryRemove(key, out var started))
            {
                var now = Stopwatch.GetTimestamp();
                latencies.Enqueue(Stopwatch.GetElapsedTime(started, now).TotalMilliseconds);
                Interlocked.Exchange(ref lastArrived, now);
                if (awaited.TryRemove(key, out var waiting))
                {
                    waiting.TrySetResult();
                }
            }
        }

        HubConnection? desk = null;
        IMqttClient? peer = null;
        if (hub is not null)
        {
            desk = await DeskConnection.SignInAsync(hub, username, password, output, cancellationToken).ConfigureAwait(false);
            if (desk is null)
            {
                return 2;
            }

            desk.On<JsonElement>("alertRaised", a => Arrived($"{a.GetProperty("id").GetString()}/{a.GetProperty("state").GetString()}"));
            desk.On<JsonElement>("alertUpdated", a => Arrived($"{a.GetProperty("id").GetString()}/{a.GetProperty("state").GetString()}"));
            await desk.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            peer = new MqttClientFactory().CreateMqttClient();
            peer.ApplicationMessageReceivedAsync += e =>
            {
                var change = JsonDocument.Parse(e.ApplicationMessage.Payload).RootElement.GetProperty("data");
                Arrived($"{change.GetProperty("id").GetString()}/{change.GetProperty("state").GetString()}");
                return Task.CompletedTask;
            };
            await peer.ConnectAsync(Options(broker, "district-peer"), cancellationToken).ConfigureAwait(false);
            await peer.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("rp/+/uplink/changes", MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken).ConfigureAwait(false);
        }

        var clients = new List<IMqttClient>(edges);
        for (var i = 1; i <= edges; i++)
        {
            var client = new MqttClientFactory().CreateMqttClient();
            await client.ConnectAsync(Options(broker, $"edge-{i}"), cancellationToken).ConfigureAwait(false);
            clients.Add(client);
        }

        var sent = 0L;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(duration);
        Interlocked.Exchange(ref firstSent, Stopwatch.GetTimestamp());
        var perEdge = rate > 0 ? TimeSpan.FromSeconds(edges / rate) : TimeSpan.Zero;
        await Task.WhenAll(clients.Select((client, index) => Task.Run(async () =>
        {
            var edge = $"edge-{index + 1}";
            var site = $"court-{index + 1}";
            var seq = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
            var alert = Guid.NewGuid();
            var step = 0;
            var next = Stopwatch.GetTimestamp() + (long)(Random.Shared.NextDouble() * perEdge.TotalSeconds * Stopwatch.Frequency);
            while (!stop.IsCancellationRequested)
            {
                if (perEdge > TimeSpan.Zero)
                {
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                    if (wait > TimeSpan.Zero)
                    {
                        try
                        {
                            await Task.Delay(wait, stop.Token).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException)
                        {
                            break;
                        }
                    }

                    next += (long)(perEdge.TotalSeconds * Stopwatch.Frequency);
                }

                var state = step switch { 0 => "active", 1 => "acknowledged", _ => "resolved" };
                seq++;
                var body = Change(edge, seq, site, alert, state);
                var key = $"{alert}/{state}";
                var arrived = perEdge == TimeSpan.Zero ? awaited[key] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) : null;
                sentAt[key] = Stopwatch.GetTimestamp();
                await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"rp/{site}/uplink/changes").WithPayload(body)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), CancellationToken.None).ConfigureAwait(false);
                Interlocked.Increment(ref sent);
                if (++step == 3)
                {
                    (alert, step) = (Guid.NewGuid(), 0);
                }

                if (arrived is not null)
                {
                    try
                    {
                        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(30), stop.Token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is OperationCanceledException or TimeoutException)
                    {
                        break;
                    }
                }
            }
        }, CancellationToken.None))).ConfigureAwait(false);

        // What was sent arrives within a while more (a centre behind works off its backlog).
        var deadline = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
        while (!sentAt.IsEmpty && Stopwatch.GetTimestamp() < deadline && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        foreach (var client in clients)
        {
            await client.DisconnectAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
            client.Dispose();
        }

        if (desk is not null)
        {
            await desk.DisposeAsync().ConfigureAwait(false);
        }

        if (peer is not null)
        {
            await peer.DisconnectAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
            peer.Dispose();
        }

        var sorted = latencies.Order().ToArray();
        double At(double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        var seconds = Stopwatch.GetElapsedTime(firstSent, Interlocked.Read(ref lastArrived)).TotalSeconds;
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"DISTRICT to={(hub is null ? "peer" : "centre")} edges={edges} sent={sent} arrived={sorted.Length} rate={(seconds > 0 ? sorted.Length / seconds : 0):F0}/s p50={At(0.5):F1}ms p99={At(0.99):F1}ms max={(sorted.Length > 0 ? sorted[^1] : 0):F1}ms")).ConfigureAwait(false);
        return sorted.Length == sent ? 0 : 1;
    }

    private static MqttClientOptions Options(Uri broker, string clientId) => new MqttClientOptionsBuilder()
        .WithTcpServer(broker.Host, broker.Port)
        .WithClientId(clientId)
        .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
        .WithTimeout(TimeSpan.FromSeconds(30))
        .Build();

    /// <summary>An edge's change as the edge hub's uplink sends it (the alert view's main fields, its trail's step).</summary>
    private static byte[] Change(string edge, long seq, string site, Guid id, string state)
    {
        var raised = state == "active";
        var resolved = state == "resolved" ? $"\"{DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)}\"" : "null";
        var now = DateTimeOffset.UtcNow;
        var at = now.ToString("O", CultureInfo.InvariantCulture);
        var acknowledged = raised ? "null" : $"\"{at}\"";
        var by = raised ? "null" : "\"bench\"";
        return Encoding.UTF8.GetBytes($$"""
            {"edge":"{{edge}}","seq":{{seq}},"site":"{{site}}","event":"{{(raised ? "alertRaised" : "alertUpdated")}}","sentAt":"{{at}}",
             "data":{"id":"{{id}}","seq":{{seq}},"site":"{{site}}","zone":"grid-1","deviceId":"chg-b01","kind":"charger","type":"flying_wire_charging","severity":"major",
              "state":"{{state}}","message":"bench","raisedAt":"{{at}}","lastSeenAt":"{{at}}","count":1,"acknowledgedBy":{{by}},"acknowledgedAt":{{acknowledged}},
              "resolvedBy":{{(resolved == "null" ? "null" : by)}},"resolvedAt":{{resolved}},
              "escalations":[],"acknowledgeDueAt":"{{now.AddMinutes(15).ToString("O", CultureInfo.InvariantCulture)}}","clearing":"auto"},
             "trail":[{"at":"{{at}}","action":"{{(raised ? "raised" : state)}}","by":"{{(raised ? "system" : "bench")}}"}]}
            """);
    }
}
