using System.Diagnostics;
using MQTTnet.Protocol;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.FirmwareSim.Commands;
using RedProperty.Iot.FirmwareSim.Devices;
using RedProperty.Iot.FirmwareSim.Scenarios;

namespace RedProperty.Iot.FirmwareSim.Capture;

public sealed record ReplayOutcome(long Published, long Skipped, TimeSpan Elapsed);

/// <summary>Waits until a message's offset is due at the chosen pace (never, at <see cref="Pace.AsFastAsPossible"/>).</summary>
public sealed class Pacer(Pace pace, TimeProvider time)
{
    private readonly long _start = time.GetTimestamp();

    public Task WaitUntilAsync(TimeSpan offset, CancellationToken cancellationToken)
    {
        if (pace.IsMax)
        {
            return Task.CompletedTask;
        }

        var due = offset / pace.Speed;
        var left = due - time.GetElapsedTime(_start);
        return left > TimeSpan.FromMilliseconds(1) ? Task.Delay(left, time, cancellationToken) : Task.CompletedTask;
    }
}

/// <summary>
/// Publishes a capture again as the devices that sent it: each device its own client with its
/// credentials from the registry, every message with its topic, QoS and retain flag, at the original
/// timing, faster, or as fast as possible. Messages of devices the registry does not know are skipped.
/// </summary>
public static class CaptureReplayer
{
    /// <param name="beforePublish">Called with each message's offset before it is sent (tests move a virtual hub clock with it).</param>
    public static async Task<ReplayOutcome> ReplayAsync(
        IReadOnlyList<CaptureRecord> records,
        IReadOnlyList<DeviceIdentity> identities,
        Uri broker,
        Pace pace,
        TextWriter output,
        CancellationToken cancellationToken,
        Func<TimeSpan, CancellationToken, ValueTask>? beforePublish = null)
    {
        var byUser = identities.ToDictionary(i => i.UserName, StringComparer.Ordinal);
        var senders = new Dictionary<CaptureRecord, DeviceIdentity>();
        var skipped = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            if (DeviceTopic.TryParse(record.Topic, out var topic, out _) && byUser.TryGetValue($"{topic.Site}/{topic.DeviceId}", out var identity))
            {
                senders[record] = identity;
            }
            else
            {
                skipped[record.Topic] = skipped.GetValueOrDefault(record.Topic) + 1;
            }
        }

        foreach (var (topic, count) in skipped.Take(10))
        {
            await output.WriteLineAsync($"skipping {count} message(s) on {topic}: no such device in the registry").ConfigureAwait(false);
        }

        // Devices replay their own birth and will messages from the capture: no extra ones.
        var devices = await DeviceFleet.ConnectAsync(senders.Values.Distinct().ToArray(), broker, output, cancellationToken, announce: false).ConfigureAwait(false);
        var byIdentity = devices.ToDictionary(d => d.Identity);
        var stopwatch = Stopwatch.StartNew();
        var pacer = new Pacer(pace, TimeProvider.System);
        long published = 0;
        try
        {
            foreach (var record in records)
            {
                if (!senders.TryGetValue(record, out var identity) || !byIdentity.TryGetValue(identity, out var device))
                {
                    continue;
                }

                await pacer.WaitUntilAsync(record.Offset, cancellationToken).ConfigureAwait(false);
                if (beforePublish is not null)
                {
                    await beforePublish(record.Offset, cancellationToken).ConfigureAwait(false);
                }

                await device.PublishRawAsync(record.Topic, record.PayloadBytes(), (MqttQualityOfServiceLevel)record.Qos, record.Retain, cancellationToken).ConfigureAwait(false);
                published++;
            }
        }
        finally
        {
            await DeviceFleet.StopAsync(devices, announce: false).ConfigureAwait(false);
        }

        return new ReplayOutcome(published, records.Count - published, stopwatch.Elapsed);
    }
}
