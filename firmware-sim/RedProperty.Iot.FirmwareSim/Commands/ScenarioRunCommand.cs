using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.FirmwareSim.Capture;
using RedProperty.Iot.FirmwareSim.Devices;
using RedProperty.Iot.FirmwareSim.Scenarios;

namespace RedProperty.Iot.FirmwareSim.Commands;

/// <param name="Quiet">No progress line every second: for a log file rather than a terminal.</param>
public sealed record RunSettings(Pace? Pace, double Loss, TimeSpan ClockSkew, string? CapturePath, bool RenderOnly, bool Quiet = false);

/// <summary>
/// <c>run SCENARIO</c>: plays a scenario's traffic, either live (every device its own MQTT client,
/// paced, with reconnects, optional packet loss and clock skew) or rendered straight into a capture
/// in simulated time (<c>--render-only</c>, no broker needed).
/// </summary>
public static partial class ScenarioRunCommand
{
    public static async Task<int> RunAsync(Scenario scenario, string? registryPath, Uri broker, RunSettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        var timeline = TrafficTimeline.Build(scenario);
        if (settings.RenderOnly)
        {
            await using var capture = new CaptureWriter(settings.CapturePath!, new CaptureHeader(CaptureHeader.CurrentFormat, scenario.Start, $"scenario seed {scenario.Seed}, simulated time"));
            foreach (var message in timeline)
            {
                capture.Write(CaptureRecord.From(message.Offset, message.Topic, (int)message.Qos, message.Retain, System.Text.Encoding.UTF8.GetBytes(message.Payload)));
            }

            await output.WriteLineAsync($"rendered {capture.Count} messages of {scenario.Devices.Count()} devices over {scenario.Duration} to {settings.CapturePath}").ConfigureAwait(false);
            return 0;
        }

        var identities = RegistryFile.ReadIdentities(registryPath!).ToDictionary(i => i.UserName, StringComparer.Ordinal);
        var missing = scenario.Devices.Where(d => !identities.ContainsKey($"{d.Site}/{d.Id}")).Select(d => $"{d.Site}/{d.Id}").ToArray();
        if (missing.Length > 0)
        {
            await output.WriteLineAsync($"{registryPath} lacks {missing.Length} device(s) of the scenario, e.g. {missing[0]}: write it with `firmware-sim registry SCENARIO --out FILE`").ConfigureAwait(false);
            return 2;
        }

        var pace = settings.Pace ?? scenario.Pace;
        var fleet = await DeviceFleet.ConnectAsync(scenario.Devices.Select(d => identities[$"{d.Site}/{d.Id}"]).ToArray(), broker, output, cancellationToken, announce: false).ConfigureAwait(false);
        var devices = fleet.ToDictionary(d => d.Identity.UserName, StringComparer.Ordinal);
        var random = new Random(scenario.Seed);
        var pacer = new Pacer(pace, TimeProvider.System);
        var clock = Stopwatch.StartNew();
        await using var recorder = settings.CapturePath is { } path
            ? new CaptureWriter(path, new CaptureHeader(CaptureHeader.CurrentFormat, DateTimeOffset.UtcNow, $"scenario seed {scenario.Seed} at {pace}, published live"))
            : null;
        long published = 0, dropped = 0;
        var lastProgress = TimeSpan.Zero;
        await output.WriteLineAsync($"playing {timeline.Count} messages of {devices.Count} devices, {scenario.Duration} of simulated time at {pace}").ConfigureAwait(false);

        // One queue per device: a device's messages go out in order, devices do not wait for each other,
        // so the pacer keeps time even when the broker takes a while to acknowledge.
        var queues = devices.ToDictionary(d => d.Key, _ => Channel.CreateUnbounded<(SimMessage Message, string Payload)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true }));
        var workers = devices.Select(d => Task.Run(async () =>
        {
            await foreach (var (message, payload) in queues[d.Key].Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (message.IsWill)
                {
                    // Power loss: the connection drops without a DISCONNECT and the broker publishes the will.
                    d.Value.Crash();
                    continue;
                }

                await PublishWithReconnectAsync(d.Value, message, payload, output, cancellationToken).ConfigureAwait(false);
                recorder?.Write(clock, t => CaptureRecord.From(t, message.Topic, (int)message.Qos, message.Retain, System.Text.Encoding.UTF8.GetBytes(payload)));
                Interlocked.Increment(ref published);
            }
        }, cancellationToken)).ToArray();

        try
        {
            foreach (var message in timeline)
            {
                var key = $"{message.Device.Site}/{message.Device.Id}";
                if (!queues.TryGetValue(key, out var queue))
                {
                    continue;
                }

                await pacer.WaitUntilAsync(message.Offset, cancellationToken).ConfigureAwait(false);
                if (message.Channel == DeviceChannel.Telemetry && settings.Loss > 0 && random.NextDouble() < settings.Loss)
                {
                    dropped++;
                    continue;
                }

                var payload = message.Channel == DeviceChannel.Status ? message.Payload : Restamp(message.Payload, settings.ClockSkew);
                queue.Writer.TryWrite((message, payload));
                if (!settings.Quiet && clock.Elapsed - lastProgress > TimeSpan.FromSeconds(1))
                {
                    lastProgress = clock.Elapsed;
                    output.Write($"\r{Interlocked.Read(ref published)} published, simulated {Clock(message.Offset)} of {Clock(scenario.Duration)}   ");
                }
            }

            foreach (var queue in queues.Values)
            {
                queue.Writer.TryComplete();
            }

            await Task.WhenAll(workers).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await DeviceFleet.StopAsync(fleet).ConfigureAwait(false);
        }

        await output.WriteLineAsync($"{Environment.NewLine}published {published} messages in {clock.Elapsed.TotalSeconds:0.0} s ({published / Math.Max(clock.Elapsed.TotalSeconds, 0.001):0}/s), dropped {dropped} on purpose").ConfigureAwait(false);
        return 0;
    }

    private static string Clock(TimeSpan t) => $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}";

    /// <summary>Live devices stamp readings with their own clock (the publishing time, plus any skew), not the simulated one.</summary>
    private static string Restamp(string payload, TimeSpan skew) =>
        TsPattern().Replace(payload, $"\"ts\":{(DateTimeOffset.UtcNow + skew).ToUnixTimeMilliseconds()}}}", 1);

    [GeneratedRegex("\"ts\":\\d+}$")]
    private static partial Regex TsPattern();

    /// <summary>A device whose connection broke (or that came back from an outage) reconnects with growing pauses and announces itself.</summary>
    private static async Task PublishWithReconnectAsync(SimulatedDevice device, SimMessage message, string payload, TextWriter output, CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                if (!device.IsConnected)
                {
                    // The birth message is part of the timeline when a device comes back from an outage.
                    var announce = !(message.Channel == DeviceChannel.Status && message.Payload == "online");
                    await device.ConnectAsync(cancellationToken, announce).ConfigureAwait(false);
                }

                await device.PublishRawAsync(message.Topic, payload, message.Qos, message.Retain, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Adapter.MqttConnectingFailedException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
            {
                await output.WriteLineAsync($"{device.Identity.UserName}: {e.Message}; reconnecting in {backoff.TotalSeconds:0} s").ConfigureAwait(false);
                await Task.Delay(backoff, cancellationToken).ConfigureAwait(false);
                backoff = TimeSpan.FromSeconds(Math.Min(backoff.TotalSeconds * 2, 30));
                device.Crash();
            }
        }
    }
}
