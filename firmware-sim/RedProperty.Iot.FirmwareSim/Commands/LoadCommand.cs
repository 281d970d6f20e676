using System.Diagnostics;
using System.Globalization;
using MQTTnet.Protocol;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.FirmwareSim.Devices;

namespace RedProperty.Iot.FirmwareSim.Commands;

/// <summary>
/// <c>load</c>: N devices publish telemetry at a total target rate for a duration. For QoS 1 the
/// publish-to-PUBACK latency is measured; the hub acknowledges only once a point is in InfluxDB
/// (or its spool), so that is the publish-to-durable latency.
/// </summary>
public static class LoadCommand
{
    public sealed record LoadResult(long Sent, long Acknowledged, long Failed, double Seconds, double RatePerSecond, double P50Ms, double P99Ms, double MaxMs);

    public static async Task<LoadResult?> RunAsync(
        string registryPath, Uri broker, int deviceCount, double rate, TimeSpan duration, MqttQualityOfServiceLevel qos, int inflight, TextWriter output, CancellationToken cancellationToken)
    {
        var identities = RegistryFile.ReadIdentities(registryPath).Take(deviceCount).ToArray();
        if (identities.Length < deviceCount)
        {
            await output.WriteLineAsync($"{registryPath} has only {identities.Length} devices with a plain secret; {deviceCount} asked").ConfigureAwait(false);
            return null;
        }

        var devices = await DeviceFleet.ConnectAsync(identities, broker, output, cancellationToken).ConfigureAwait(false);
        if (devices.Count == 0)
        {
            return null;
        }

        var latencies = new List<double>[devices.Count];
        long sent = 0, acknowledged = 0, failed = 0;
        var interval = rate > 0 ? TimeSpan.FromSeconds(devices.Count / rate) : TimeSpan.Zero;
        var started = Stopwatch.GetTimestamp();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(duration);

        var progress = Task.Run(async () =>
        {
            long lastSent = 0;
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
                {
                    var now = Interlocked.Read(ref sent);
                    var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"t={elapsed:F0}s sent={now} rate={now - lastSent}/s acked={Interlocked.Read(ref acknowledged)} failed={Interlocked.Read(ref failed)}")).ConfigureAwait(false);
                    lastSent = now;
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);

        var loops = devices.Select((device, index) => Task.Run(async () =>
        {
            var samples = latencies[index] = new List<double>(1024);
            var model = new TelemetryModel(new Random(index));
            using var slots = new SemaphoreSlim(inflight);
            var pending = new List<Task>();
            var next = started + (long)(interval.TotalSeconds * Stopwatch.Frequency * index / devices.Count);
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    if (interval > TimeSpan.Zero)
                    {
                        var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                        if (wait > TimeSpan.FromMilliseconds(1))
                        {
                            await Task.Delay(wait, stop.Token).ConfigureAwait(false);
                        }

                        next += (long)(interval.TotalSeconds * Stopwatch.Frequency);
                    }

                    await slots.WaitAsync(stop.Token).ConfigureAwait(false);
                    var payload = model.Next(device.Identity, device.NextSeq(), device.NextTimestamp(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
                    var publishedAt = Stopwatch.GetTimestamp();
                    Interlocked.Increment(ref sent);
                    pending.Add(PublishOneAsync(device, payload, publishedAt, samples, slots));
                    if (pending.Count > 64)
                    {
                        pending.RemoveAll(t => t.IsCompleted);
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }

            await Task.WhenAll(pending).ConfigureAwait(false);
        }, CancellationToken.None)).ToArray();

        async Task PublishOneAsync(SimulatedDevice device, string payload, long publishedAt, List<double> samples, SemaphoreSlim slots)
        {
            try
            {
                // Not cancelled with the run: a message once sent is waited for, so sent = acknowledged + failed.
                var result = await device.PublishAsync(DeviceChannel.Telemetry, payload, qos, retain: false, CancellationToken.None).ConfigureAwait(false);
                if (result.IsSuccess)
                {
                    Interlocked.Increment(ref acknowledged);
                    if (qos != MqttQualityOfServiceLevel.AtMostOnce)
                    {
                        lock (samples)
                        {
                            samples.Add(Stopwatch.GetElapsedTime(publishedAt).TotalMilliseconds);
                        }
                    }
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
            {
                Interlocked.Increment(ref failed);
            }
            finally
            {
                slots.Release();
            }
        }

        await Task.WhenAll(loops).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await progress.ConfigureAwait(false);
        await DeviceFleet.StopAsync(devices).ConfigureAwait(false);

        var all = latencies.Where(l => l is not null).SelectMany(l => l).Order().ToArray();
        var result = new LoadResult(sent, acknowledged, failed, seconds, sent / seconds, Percentile(all, 0.50), Percentile(all, 0.99), all.Length > 0 ? all[^1] : 0);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"RESULT sent={result.Sent} acked={result.Acknowledged} failed={result.Failed} seconds={result.Seconds:F1} rate={result.RatePerSecond:F0}/s p50={result.P50Ms:F1}ms p99={result.P99Ms:F1}ms max={result.MaxMs:F1}ms")).ConfigureAwait(false);
        return result;
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
