using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Storage;
using RedProperty.Iot.Hub.Uplink;

namespace RedProperty.Iot.Hub.Alerts;

/// <summary>
/// The clock side of alert handling: every second lets escalations fall due (the response and on-site
/// promises), every hour prunes the change log the desk catches up from — with the uplink on, not what has not
/// gone up yet, up to <c>Uplink:MaxBacklogChanges</c>.
/// </summary>
public sealed class AlertTimers(AlertService alerts, ChangeLogStore changeLog, ConsumerCursorStore cursors, IOptions<UplinkOptions> uplink, TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);

    /// <summary>How long desk clients can be away and still catch up by sequence number.</summary>
    public static readonly TimeSpan ChangeLogRetention = TimeSpan.FromDays(7);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await alerts.Loaded.WaitAsync(stoppingToken).ConfigureAwait(false);
            var lastPrune = DateTimeOffset.MinValue;
            using var timer = new PeriodicTimer(Tick, time);
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await alerts.EscalateDueAsync(stoppingToken).ConfigureAwait(false);
                if (time.GetUtcNow() - lastPrune >= PruneEvery)
                {
                    lastPrune = time.GetUtcNow();
                    (long, long)? unsent = uplink.Value.Enabled
                        ? (await cursors.LoadAsync(UplinkSender.Consumer, stoppingToken).ConfigureAwait(false) ?? 0, uplink.Value.MaxBacklogChanges)
                        : null;
                    await changeLog.PruneChangesAsync(lastPrune - ChangeLogRetention, keepAtLeast: 10_000, stoppingToken, unsent).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
