using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using MQTTnet.Protocol;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.FirmwareSim.Devices;

namespace RedProperty.Iot.FirmwareSim.Commands;

/// <summary>
/// <c>alert-latency</c>: what a desk operator waits. Cameras of the registry, one after another,
/// report <c>tamper=true</c>; a SignalR client signed in as staff times each publish to its
/// <c>alertRaised</c>. Run it beside <c>load</c> to measure under background telemetry.
/// </summary>
public static class AlertLatencyCommand
{
    public static async Task<int> RunAsync(string registryPath, Uri broker, Uri hub, string username, string password, int count, TimeSpan spacing, TextWriter output, CancellationToken cancellationToken)
    {
        var cameras = RegistryFile.ReadIdentities(registryPath).Where(d => d.Kind == DeviceKind.Camera).Take(count).ToArray();
        if (cameras.Length == 0)
        {
            await output.WriteLineAsync($"{registryPath}: no camera with a plain secret").ConfigureAwait(false);
            return 2;
        }

        await using var desk = await DeskConnection.SignInAsync(hub, username, password, output, cancellationToken).ConfigureAwait(false);
        if (desk is null)
        {
            return 2;
        }

        var sentAt = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var latencies = new ConcurrentBag<double>();
        var arrived = new SemaphoreSlim(0);
        desk.On<JsonElement>("alertRaised", alert =>
        {
            if (alert.GetProperty("type").GetString() == "camera_tamper" && sentAt.TryRemove(alert.GetProperty("deviceId").GetString()!, out var started))
            {
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                arrived.Release();
            }
        });
        await desk.StartAsync(cancellationToken).ConfigureAwait(false);

        var devices = await DeviceFleet.ConnectAsync(cameras, broker, output, cancellationToken, clientIdSuffix: "-probe").ConfigureAwait(false);
        try
        {
            foreach (var device in devices)
            {
                sentAt[device.Identity.Id] = Stopwatch.GetTimestamp();
                await device.PublishAsync(DeviceChannel.Telemetry, "{\"online\":true,\"tamper\":true}", MqttQualityOfServiceLevel.AtLeastOnce, retain: false, cancellationToken).ConfigureAwait(false);
                await Task.Delay(spacing, cancellationToken).ConfigureAwait(false);
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(TimeSpan.FromSeconds(10));
            try
            {
                while (latencies.Count < devices.Count)
                {
                    await arrived.WaitAsync(wait.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            // Put the cameras back to normal so a later run raises fresh alerts after the clear window.
            foreach (var device in devices)
            {
                await device.PublishAsync(DeviceChannel.Telemetry, "{\"online\":true,\"tamper\":false}", MqttQualityOfServiceLevel.AtLeastOnce, retain: false, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await DeviceFleet.StopAsync(devices).ConfigureAwait(false);
        }

        var sorted = latencies.Order().ToArray();
        double At(double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"ALERTS raised={sorted.Length} of {devices.Count} p50={At(0.5):F1}ms p99={At(0.99):F1}ms max={(sorted.Length > 0 ? sorted[^1] : 0):F1}ms")).ConfigureAwait(false);
        return sorted.Length == devices.Count ? 0 : 1;
    }
}
