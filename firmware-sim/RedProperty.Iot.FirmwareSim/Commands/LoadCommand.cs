using System.Diagnostics;
using System.Globalization;
using MQTTnet.Protocol;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.FirmwareSim.Devices;

namespace RedProperty.Iot.FirmwareSim.Commands;

/// <summary>
/// <c>load</c>: N devices publish telemetry at a total target rate, first for a warm-up, then for the
/// measured duration. For QoS 1 the publish-to-PUBACK latency is measured; the hub acknowledges only
/// once a message is durable, so that is the publish-to-durable latency. <c>MEASURE start</c> and
/// <c>MEASURE end</c> lines mark the measured window, so a script can sample a broker's CPU over it.
/// </summary>
public static class LoadCommand
{
    /// <summary>The measured window's figures; <paramref name="TotalSent"/> counts the warm-up too.</summary>
    public sealed record LoadResult(long Sent, long Acknowledged, long Failed, double Seconds, double RatePerSecond, double P50Ms, double P99Ms, double MaxMs, long TotalSent);

    public static async Task<LoadResult?> RunAsync(
        string registryPath, Uri broker, int deviceCount, double rate, TimeSpan warmup, TimeSpan duration, MqttQualityOfServiceLevel qos, int inflight, TextWriter output, CancellationToken cancellationToken)
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

        var interval = rate > 0 ? TimeSpan.FromSeconds(devices.Count / rate) : TimeSpan.Zero;
        var tally = new LoadTally(devices.Count);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var started = Stopwatch.GetTimestamp();
        stop.CancelAfter(warmup + duration);

        void StartMeasuring()
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MEASURE start t={Stopwatch.GetElapsedTime(started).TotalSeconds:F1}s"));
            tally.StartMeasuring(Stopwatch.GetTimestamp());
        }

        // A thread of its own: publishing as fast as possible starves the thread pool, and the line must
        // come when the window starts, since a script samples a broker's CPU when it reads it.
        var window = new Thread(() =>
        {
            if (!stop.Token.WaitHandle.WaitOne(warmup))
            {
                StartMeasuring();
            }
        }) { IsBackground = true, Name = "load window" };
        if (warmup > TimeSpan.Zero)
        {
            window.Start();
        }
        else
        {
            StartMeasuring();
        }

        var progress = Task.Run(async () =>
        {
            long lastSent = 0;
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
            try
            {
                while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
                {
                    var now = tally.Total;
                    var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"t={elapsed:F0}s sent={now} rate={now - lastSent}/s acked={tally.TotalAcknowledged} failed={tally.TotalFailed}")).ConfigureAwait(false);
                    lastSent = now;
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);

        var loops = devices.Select((device, index) => Task.Run(async () =>
        {
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
                    var measured = tally.Published(publishedAt);
                    pending.Add(PublishOneAsync(device, index, payload, publishedAt, measured, slots));
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

        async Task PublishOneAsync(SimulatedDevice device, int index, string payload, long publishedAt, bool measured, SemaphoreSlim slots)
        {
            try
            {
                // Not cancelled with the run: a message once sent is waited for, so sent = acknowledged + failed.
                var result = await device.PublishAsync(DeviceChannel.Telemetry, payload, qos, retain: false, CancellationToken.None).ConfigureAwait(false);
                if (result.IsSuccess)
                {
                    tally.Acknowledged(index, measured, qos == MqttQualityOfServiceLevel.AtMostOnce ? null : Stopwatch.GetElapsedTime(publishedAt).TotalMilliseconds);
                }
                else
                {
                    tally.Failed(measured);
                }
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
            {
                tally.Failed(measured);
            }
            finally
            {
                slots.Release();
            }
        }

        await Task.WhenAll(loops).ConfigureAwait(false);
        if (window.IsAlive)
        {
            window.Join();
        }

        var seconds = tally.MeasureFrom == long.MaxValue ? 0 : Stopwatch.GetElapsedTime(tally.MeasureFrom).TotalSeconds;
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"MEASURE end t={Stopwatch.GetElapsedTime(started).TotalSeconds:F1}s")).ConfigureAwait(false);
        await progress.ConfigureAwait(false);
        await DeviceFleet.StopAsync(devices).ConfigureAwait(false);

        var result = tally.Result(seconds);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"RESULT sent={result.Sent} acked={result.Acknowledged} failed={result.Failed} seconds={result.Seconds:F1} rate={result.RatePerSecond:F0}/s p50={result.P50Ms:F1}ms p99={result.P99Ms:F1}ms max={result.MaxMs:F1}ms warmup={warmup.TotalSeconds:F0}s total_sent={result.TotalSent}")).ConfigureAwait(false);
        return result;
    }
}
