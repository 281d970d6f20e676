using RedProperty.Iot.Hub.Alerts;

namespace RedProperty.Iot.Hub.Cameras;

/// <summary>
/// Checks every camera with a stream: raises <c>camera_stream_down</c> when the stream cannot be read
/// (after a few failures in a row) and <c>camera_tamper</c> when the picture is black or frozen; clears
/// them when the picture is back. Checks run on real time, at most a few ffmpeg processes at once.
/// </summary>
public sealed partial class CameraHealthService(
    AlertService alerts, CameraGrabber grabber, DeviceRegistry registry, CameraOptions options, ILogger<CameraHealthService> logger) : BackgroundService
{
    private readonly Dictionary<string, CameraHealth> _states = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var cameras = registry.Devices.Where(d => d.Kind == DeviceKind.Camera && d.StreamUrl is not null).ToArray();
        if (cameras.Length == 0 || options.ProbeEverySeconds == 0)
        {
            return;
        }

        if (!grabber.IsAvailable)
        {
            LogNoFfmpeg(logger, cameras.Length);
            return;
        }

        foreach (var camera in cameras)
        {
            _states[camera.UserName] = new CameraHealth();
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.ProbeEverySeconds), TimeProvider.System);
        try
        {
            do
            {
                await Task.WhenAll(cameras.Select(c => CheckAsync(c, stoppingToken))).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task CheckAsync(Device camera, CancellationToken cancellationToken)
    {
        var result = await grabber.ProbeAsync(new Uri(camera.StreamUrl!), cancellationToken).ConfigureAwait(false);
        var state = _states[camera.UserName];
        var signals = new List<AlertSignal>();
        if (result.Health == StreamHealth.Unreadable)
        {
            state.Failures++;
            if (state.Failures >= options.DownAfterFailures && !state.Down)
            {
                state.Down = true;
                signals.Add(Signal(AlertSignalKind.Raise, AlertType.CameraStreamDown, camera, AlertFacts.StreamUnreadable(Shorten(result.Detail))));
            }
        }
        else
        {
            state.Failures = 0;
            if (state.Down)
            {
                state.Down = false;
                signals.Add(Signal(AlertSignalKind.Clear, AlertType.CameraStreamDown, camera, AlertFacts.StreamReadable));
            }

            var tampered = result.Health is StreamHealth.Black or StreamHealth.Frozen;
            if (tampered != state.Tampered)
            {
                state.Tampered = tampered;
                var fact = !tampered ? AlertFacts.PictureBack : result.Health == StreamHealth.Black ? AlertFacts.PictureBlack : AlertFacts.PictureFrozen;
                signals.Add(Signal(tampered ? AlertSignalKind.Raise : AlertSignalKind.Clear, AlertType.CameraTamper, camera, fact));
            }
        }

        if (signals.Count > 0)
        {
            LogHealth(logger, camera.UserName, result.Health.ToString());
            await alerts.SubmitAsync(signals, cancellationToken).ConfigureAwait(false);
        }
    }

    private static AlertSignal Signal(AlertSignalKind kind, AlertType type, Device camera, AlertFact fact) =>
        new(kind, type, camera, AlertCatalogue.SeverityOf(type, DeviceKind.Camera), fact);

    private static string Shorten(string detail) => detail.Length > 120 ? detail[..120] : detail;

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} camera(s) have a stream but ffmpeg is not installed: no stream checks (Debian: apt-get install ffmpeg)")]
    private static partial void LogNoFfmpeg(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Camera {Camera}: {Health}")]
    private static partial void LogHealth(ILogger logger, string camera, string health);

    private sealed class CameraHealth
    {
        public int Failures { get; set; }

        public bool Down { get; set; }

        public bool Tampered { get; set; }
    }
}
