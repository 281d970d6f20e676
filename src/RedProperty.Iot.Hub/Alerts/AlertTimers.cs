using RedProperty.Iot.Alerts;
using RedProperty.Iot.Alerts.Rules;
using RedProperty.Iot.Contract;
using RedProperty.Iot.Hub.Storage;
using RedProperty.Iot.Hub.Devices;
using RedProperty.Iot.Registry;
using RedProperty.Iot.Hub.Sites;

namespace RedProperty.Iot.Hub.Alerts;

/// <summary>
/// The clock side of alerting: rebuilds rule state at start (open alerts, when each device was last
/// heard), then every second lets time-based rules fire and escalations fall due, and every 30 s
/// records when devices were last seen, for the next restart.
/// </summary>
public sealed class AlertTimers(
    AlertService alerts,
    AlertRuleEngine rules,
    DeviceSeenStore seenStore,
    ChangeLogStore changeLog,
    DeviceRegistry registry,
    DeviceDirectory devices,
    SiteOwnership ownership,
    TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan SeenEvery = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);

    /// <summary>How long desk clients can be away and still catch up by sequence number.</summary>
    public static readonly TimeSpan ChangeLogRetention = TimeSpan.FromDays(7);

    /// <summary>A device the heartbeat rule found silent shows as offline on the desk, as if it had said so.</summary>
    private async Task MarkSilentDevicesOfflineAsync(IReadOnlyList<AlertSignal> signals, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var signal in signals)
        {
            if (signal is { Type: AlertType.DeviceOffline, Kind: AlertSignalKind.Raise } && devices.Get(signal.Device).SetStatus(DeviceStatus.Offline, now))
            {
                await alerts.SubmitAsync(new DeviceStatusChange(signal.Device, DeviceStatus.Offline, now), cancellationToken).ConfigureAwait(false);
            }
        }
    }

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

            var lastSeenWrite = time.GetUtcNow();
            var lastPrune = DateTimeOffset.MinValue;
            using var timer = new PeriodicTimer(Tick, time);
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                var signals = rules.Tick();
                await alerts.SubmitAsync(signals, stoppingToken).ConfigureAwait(false);
                await MarkSilentDevicesOfflineAsync(signals, stoppingToken).ConfigureAwait(false);
                await alerts.EscalateDueAsync(stoppingToken).ConfigureAwait(false);
                if (time.GetUtcNow() - lastPrune >= PruneEvery)
                {
                    lastPrune = time.GetUtcNow();
                    await changeLog.PruneChangesAsync(lastPrune - ChangeLogRetention, keepAtLeast: 10_000, stoppingToken).ConfigureAwait(false);
                }

                if (time.GetUtcNow() - lastSeenWrite >= SeenEvery)
                {
                    lastSeenWrite = time.GetUtcNow();
                    await seenStore.RecordDeviceSeenAsync(
                        devices.All.Where(d => d.LastSeen is not null).Select(d => (d.Device.Site, d.Device.Id, d.LastSeen!.Value)),
                        stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await seenStore.RecordDeviceSeenAsync(
                devices.All.Where(d => d.LastSeen is not null).Select(d => (d.Device.Site, d.Device.Id, d.LastSeen!.Value)),
                CancellationToken.None).ConfigureAwait(false);
        }
    }
}
