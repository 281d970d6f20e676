using MQTTnet.Protocol;
using RedProperty.Iot.Contract;
using RedProperty.Iot.FirmwareSim.Devices;

namespace RedProperty.Iot.FirmwareSim.Commands;

/// <summary><c>run</c>: every device of a registry publishes plausible telemetry at an interval.</summary>
public static class RunCommand
{
    public static async Task<int> RunAsync(
        string registryPath, Uri broker, TimeSpan interval, MqttQualityOfServiceLevel qos, TimeSpan? duration, int seed, TextWriter output, CancellationToken cancellationToken)
    {
        var identities = RegistryFile.ReadIdentities(registryPath);
        if (identities.Count == 0)
        {
            await output.WriteLineAsync($"{registryPath}: no device with a plain secret to simulate").ConfigureAwait(false);
            return 2;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (duration is { } d)
        {
            stop.CancelAfter(d);
        }

        var devices = await DeviceFleet.ConnectAsync(identities, broker, output, stop.Token).ConfigureAwait(false);
        long published = 0;
        try
        {
            var loops = devices.Select((device, index) => Task.Run(async () =>
            {
                var model = new TelemetryModel(new Random(seed + index));
                // Spread devices over the interval, as real fleets are not synchronised.
                await Task.Delay(interval * (index / (double)devices.Count), stop.Token).ConfigureAwait(false);
                using var timer = new PeriodicTimer(interval);
                do
                {
                    var payload = model.Next(device.Identity, device.NextSeq(), device.NextTimestamp(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
                    await device.PublishAsync(DeviceChannel.Telemetry, payload, qos, retain: false, stop.Token).ConfigureAwait(false);
                    Interlocked.Increment(ref published);
                }
                while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false));
            }, stop.Token)).ToArray();
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            await DeviceFleet.StopAsync(devices).ConfigureAwait(false);
        }

        await output.WriteLineAsync($"published {Interlocked.Read(ref published)} telemetry messages from {devices.Count} devices").ConfigureAwait(false);
        return 0;
    }
}
