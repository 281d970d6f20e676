using RedProperty.Iot.Domain.Alerts.Rules;
using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.Devices;
using RedProperty.Iot.Hub.Sites;
using RedProperty.Iot.Hub.Storage;

namespace RedProperty.Iot.Hub.Ingestion;

/// <summary>
/// The clock side of the device rules: rebuilds their state at start (open alerts, when each device was
/// last heard), then every second lets time-based rules fire (silence, sustained charging, lights left
/// on), and every 30 s and at stop records when devices were last seen, for the next start.
/// </summary>
public sealed class DeviceWatch(
    AlertService alerts,
    AlertRuleEngine rules,
    DevicePresence presence,
    DeviceSeenStore seenStore,
    DeviceRegistry registry,
    DeviceStates devices,
    SiteOwnership ownership,
    TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan SeenEvery = TimeSpan.FromSeconds(30);
    private readonly TaskCompletionSource _restored = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the rules know the open alerts and when devices were last heard (the journal is judged after).</summary>
    public Task Restored => _restored.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await alerts.Loaded.WaitAsync(stoppingToken).ConfigureAwait(false);
            var seen = await seenStore.DevicesSeenAsync(stoppingToken).ConfigureAwait(false);
            // Only this instance's sites: another instance watches the others for silence.
            foreach (var device in registry.Devices.Where(d => ownership.Owns(d.Site)))
            {
                rules.Restore(device, alerts.OpenTypesOf(device), seen.TryGetValue(device.UserName, out var last) ? last : null);
            }

            _restored.TrySetResult();

            var lastSeenWrite = time.GetUtcNow();
            using var timer = new PeriodicTimer(Tick, time);
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                var signals = rules.Tick();
                await alerts.SubmitTimedAsync(signals, rules.StillHolds, stoppingToken).ConfigureAwait(false);
                await presence.ReportSilentAsync(signals.Where(rules.StillHolds).ToArray(), devices, time.GetUtcNow(), stoppingToken).ConfigureAwait(false);
                if (time.GetUtcNow() - lastSeenWrite >= SeenEvery)
                {
                    lastSeenWrite = time.GetUtcNow();
                    await RecordSeenAsync(stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            _restored.TrySetCanceled(stoppingToken);
        }
        finally
        {
            await RecordSeenAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private Task RecordSeenAsync(CancellationToken cancellationToken) => seenStore.RecordDeviceSeenAsync(
        devices.All.Where(d => d.LastSeen is not null).Select(d => (d.Device.Site, d.Device.Id, d.LastSeen!.Value)),
        cancellationToken);
}
