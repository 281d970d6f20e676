using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.Views;

namespace RedProperty.Iot.Hub.Cameras;

/// <summary>
/// When an alert is raised, takes a snapshot from the device itself if it is a camera with a stream,
/// otherwise from the cameras of its zone, and attaches it; for a critical alert also a clip. Works off
/// the alert queue, never in the alert's way: an alert without a reachable camera simply has no evidence.
/// </summary>
public sealed partial class CameraEvidenceService(
    AlertService alerts, CameraGrabber grabber, EvidenceFiles files, DeviceRegistry registry, CameraOptions options, TimeProvider time, ILogger<CameraEvidenceService> logger) : BackgroundService
{
    private const int CamerasPerAlert = 2;

    // Evidence being gathered, one task per alert; those still running are awaited at stop.
    private readonly HashSet<Task> _gathering = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var prune = PruneLoopAsync(stoppingToken);
        try
        {
            await foreach (var alert in alerts.RaisedAlerts.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                var cameras = CamerasFor(alert);
                if (cameras.Count == 0)
                {
                    continue;
                }

                if (!grabber.IsAvailable)
                {
                    LogNoFfmpeg(logger, alert.Id);
                    continue;
                }

                // Each alert's evidence is gathered in the background; ffmpeg's slots bound the work.
                _gathering.RemoveWhere(task => task.IsCompleted);
                _gathering.Add(Task.Run(() => GatherAsync(alert, cameras, stoppingToken), CancellationToken.None));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        // Stopping cancels the grabs; each gathering then ends without throwing.
        await Task.WhenAll(_gathering).ConfigureAwait(false);
        await prune.ConfigureAwait(false);
    }

    /// <summary>The device if it is a camera with a stream, else the cameras with a stream in its zone.</summary>
    public IReadOnlyList<Device> CamerasFor(AlertView alert)
    {
        if (!registry.SitesById.TryGetValue(alert.Site, out var site))
        {
            return [];
        }

        if (site.Devices.TryGetValue(alert.DeviceId, out var device) && device.Kind == DeviceKind.Camera && device.StreamUrl is not null)
        {
            return [device];
        }

        return site.Devices.Values
            .Where(d => d.Kind == DeviceKind.Camera && d.StreamUrl is not null && d.Zone == alert.Zone)
            .OrderBy(d => d.Id, StringComparer.Ordinal)
            .Take(CamerasPerAlert)
            .ToArray();
    }

    private async Task GatherAsync(AlertView alert, IReadOnlyList<Device> cameras, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var camera in cameras)
            {
                var (path, url) = files.NewFile(alert.Site, alert.Id, camera.Id, "jpg", time.GetUtcNow());
                if (await grabber.SnapshotAsync(new Uri(camera.StreamUrl!), path, cancellationToken).ConfigureAwait(false) && File.Exists(path))
                {
                    await alerts.AttachEvidenceAsync(alert.Id, AlertEvidence.Snapshot, url, cancellationToken).ConfigureAwait(false);
                    LogSnapshot(logger, alert.Id, camera.UserName);
                    if (alert.Severity == "critical" && options.ClipSeconds > 0)
                    {
                        var (clipPath, clipUrl) = files.NewFile(alert.Site, alert.Id, camera.Id, "mp4", time.GetUtcNow());
                        if (await grabber.ClipAsync(new Uri(camera.StreamUrl!), clipPath, options.ClipSeconds, cancellationToken).ConfigureAwait(false) && File.Exists(clipPath))
                        {
                            await alerts.AttachEvidenceAsync(alert.Id, AlertEvidence.Clip, clipUrl, cancellationToken).ConfigureAwait(false);
                        }
                    }

                    return;
                }

                LogSnapshotFailed(logger, alert.Id, camera.UserName);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            LogGatherFailed(logger, e, alert.Id);
        }
    }

    private async Task PruneLoopAsync(CancellationToken stoppingToken)
    {
        try
        {
            using var timer = new PeriodicTimer(TimeSpan.FromHours(1), TimeProvider.System);
            do
            {
                var (count, bytes) = files.Prune(options.RetentionDays, (long)(options.RetentionGiB * 1024 * 1024 * 1024), DateTimeOffset.UtcNow);
                if (count > 0)
                {
                    LogPruned(logger, count, bytes / (1024 * 1024));
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No evidence for alert {Alert}: ffmpeg is not installed (Debian: apt-get install ffmpeg)")]
    private static partial void LogNoFfmpeg(ILogger logger, Guid alert);

    [LoggerMessage(Level = LogLevel.Information, Message = "Snapshot from {Camera} attached to alert {Alert}")]
    private static partial void LogSnapshot(ILogger logger, Guid alert, string camera);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No snapshot from {Camera} for alert {Alert} in time")]
    private static partial void LogSnapshotFailed(ILogger logger, Guid alert, string camera);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gathering evidence for alert {Alert} failed")]
    private static partial void LogGatherFailed(ILogger logger, Exception exception, Guid alert);

    [LoggerMessage(Level = LogLevel.Information, Message = "Evidence retention removed {Files} file(s), {MiB} MiB")]
    private static partial void LogPruned(ILogger logger, int files, long mib);
}
