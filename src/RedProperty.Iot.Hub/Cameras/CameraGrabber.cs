using System.Collections.Concurrent;
using FFMpegCore;

namespace RedProperty.Iot.Hub.Cameras;

public enum StreamHealth
{
    Normal,
    Unreadable,
    Black,
    Frozen,
}

public readonly record struct ProbeResult(StreamHealth Health, string Detail);

/// <summary>
/// Everything the hub asks ffmpeg (through FFMpegCore): a JPEG from a live stream, a short clip,
/// and a check for a black or frozen picture. Never blocks the hub: each call has a deadline and at
/// most <see cref="CameraOptions.MaxConcurrent"/> ffmpeg processes run at once.
/// </summary>
public sealed class CameraGrabber
{
    // Low probe size and analysis time: a snapshot in about 1.5 s instead of 5.
    private const string FastStart = "-probesize 65536 -analyzeduration 1000000 -rw_timeout 5000000";
    private readonly SemaphoreSlim _slots;
    private readonly CameraOptions _options;

    public CameraGrabber(CameraOptions options)
    {
        _options = options;
        _slots = new SemaphoreSlim(options.MaxConcurrent, options.MaxConcurrent);
        if (!string.IsNullOrEmpty(options.FfmpegFolder))
        {
            GlobalFFOptions.Configure(o => o.BinaryFolder = options.FfmpegFolder);
        }

        FfmpegPath = Locate("ffmpeg");
    }

    /// <summary>Where ffmpeg is, or null when it is missing (then alerts come without evidence).</summary>
    public string? FfmpegPath { get; }

    public bool IsAvailable => FfmpegPath is not null;

    public Task<bool> SnapshotAsync(Uri stream, string path, CancellationToken cancellationToken) =>
        RunAsync(TimeSpan.FromSeconds(_options.SnapshotTimeoutSeconds), cancellationToken, token => FFMpegArguments
            .FromUrlInput(stream, o => o.WithCustomArgument(FastStart))
            .OutputToFile(path, overwrite: true, o => o.WithCustomArgument("-frames:v 1 -q:v 3 -an").ForceFormat("image2"))
            .CancellableThrough(token, TimeSpan.FromMilliseconds(500)));

    public Task<bool> ClipAsync(Uri stream, string path, int seconds, CancellationToken cancellationToken) =>
        RunAsync(TimeSpan.FromSeconds(seconds + 15), cancellationToken, token => FFMpegArguments
            .FromUrlInput(stream, o => o.WithCustomArgument(FastStart))
            .OutputToFile(path, overwrite: true, o => o.WithCustomArgument($"-t {seconds} -c copy -an -movflags +faststart").ForceFormat("mp4"))
            .CancellableThrough(token, TimeSpan.FromMilliseconds(500)));

    /// <summary>Decodes a few seconds: unreadable, black (blackdetect) or frozen (freezedetect)?</summary>
    public async Task<ProbeResult> ProbeAsync(Uri stream, CancellationToken cancellationToken)
    {
        var lines = new ConcurrentQueue<string>();
        var seconds = _options.ProbeSeconds;
        var ok = await RunAsync(TimeSpan.FromSeconds(seconds + 10), cancellationToken, token => FFMpegArguments
            .FromUrlInput(stream, o => o.WithCustomArgument(FastStart))
            .OutputToNull(o => o.WithCustomArgument($"-t {seconds} -an -vf blackdetect=d={Math.Max(1, seconds - 1)}:pix_th=0.10,freezedetect=n=-60dB:d={Math.Max(1, seconds - 1)}"))
            .NotifyOnStandardError(lines.Enqueue)
            .CancellableThrough(token, TimeSpan.FromMilliseconds(500))).ConfigureAwait(false);
        if (!ok || !lines.Any(l => l.StartsWith("frame=", StringComparison.Ordinal) || l.Contains("Video:", StringComparison.Ordinal)))
        {
            return new ProbeResult(StreamHealth.Unreadable, lines.LastOrDefault(l => l.Length > 0) ?? "no answer");
        }

        if (lines.Any(l => l.Contains("black_start", StringComparison.Ordinal)))
        {
            return new ProbeResult(StreamHealth.Black, "picture black");
        }

        return lines.Any(l => l.Contains("freeze_start", StringComparison.Ordinal))
            ? new ProbeResult(StreamHealth.Frozen, "picture frozen")
            : new ProbeResult(StreamHealth.Normal, "picture normal");
    }

    private async Task<bool> RunAsync(TimeSpan deadline, CancellationToken cancellationToken, Func<CancellationToken, FFMpegArgumentProcessor> build)
    {
        if (!IsAvailable)
        {
            return false;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        try
        {
            await _slots.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }

        try
        {
            return (await build(timeout.Token).ProcessAsynchronously(throwOnError: false).ConfigureAwait(false)).Success;
        }
        catch (Exception e) when (e is OperationCanceledException or FFMpegCore.Exceptions.FFMpegException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
        finally
        {
            _slots.Release();
        }
    }

    private string? Locate(string binary)
    {
        var folders = string.IsNullOrEmpty(_options.FfmpegFolder)
            ? (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            : [_options.FfmpegFolder];
        return folders.Select(f => Path.Combine(f, binary)).FirstOrDefault(File.Exists);
    }
}
