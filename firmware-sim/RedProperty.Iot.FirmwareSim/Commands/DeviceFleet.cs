using MQTTnet;
using RedProperty.Iot.FirmwareSim.Devices;

namespace RedProperty.Iot.FirmwareSim.Commands;

/// <summary>Connects many simulated devices at once, with a bounded number of logins in flight.</summary>
public static class DeviceFleet
{
    public static async Task<IReadOnlyList<SimulatedDevice>> ConnectAsync(
        IReadOnlyList<DeviceIdentity> identities, Uri broker, TextWriter output, CancellationToken cancellationToken, string clientIdSuffix = "", bool announce = true)
    {
        var factory = new MqttClientFactory();
        var devices = identities.Select(i => new SimulatedDevice(i, broker, factory, clientIdSuffix)).ToArray();
        var refused = 0;
        await Parallel.ForEachAsync(devices, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (device, ct) =>
        {
            MqttClientConnectResultCode result;
            try
            {
                result = await device.ConnectAsync(ct, announce).ConfigureAwait(false);
            }
            catch (MQTTnet.Exceptions.MqttCommunicationException e)
            {
                throw new IOException($"cannot reach the broker at {broker} ({e.Message})", e);
            }

            if (result != MqttClientConnectResultCode.Success)
            {
                Interlocked.Increment(ref refused);
                await output.WriteLineAsync($"{device.Identity.UserName}: login refused ({result})").ConfigureAwait(false);
            }
        }).ConfigureAwait(false);

        await output.WriteLineAsync($"connected {devices.Length - refused} of {devices.Length} devices to {broker}").ConfigureAwait(false);
        return devices.Where(d => d.IsConnected).ToArray();
    }

    public static async Task StopAsync(IEnumerable<SimulatedDevice> devices, bool announce = true)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Parallel.ForEachAsync(devices, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (device, _) =>
        {
            try
            {
                await device.StopAsync(timeout.Token, announce).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or MQTTnet.Exceptions.MqttCommunicationException)
            {
                // The broker is gone or slow; the last will says offline for us.
            }

            await device.DisposeAsync().ConfigureAwait(false);
        }).ConfigureAwait(false);
    }
}
