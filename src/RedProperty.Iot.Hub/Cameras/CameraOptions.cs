using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace RedProperty.Iot.Hub.Cameras;

/// <summary>Camera evidence and health (<c>Cameras:*</c>); cameras take part when their registry entry has a <c>streamUrl</c>.</summary>
public sealed class CameraOptions
{
    public const string Section = "Cameras";

    /// <summary>A snapshot that takes longer is given up (the alert stands without it).</summary>
    [Range(1, 60)]
    public double SnapshotTimeoutSeconds { get; set; } = 3;

    /// <summary>Length of the clip recorded for a critical alert; 0 records none.</summary>
    [Range(0, 120)]
    public int ClipSeconds { get; set; } = 10;

    /// <summary>How often each camera's stream is checked (0: never).</summary>
    [Range(0, 86400)]
    public int ProbeEverySeconds { get; set; } = 60;

    /// <summary>How much of the stream a check decodes.</summary>
    [Range(1, 30)]
    public int ProbeSeconds { get; set; } = 3;

    /// <summary>Failed checks in a row before camera_stream_down is raised.</summary>
    [Range(1, 100)]
    public int DownAfterFailures { get; set; } = 2;

    /// <summary>At most this many ffmpeg processes at once (snapshots, clips and checks together).</summary>
    [Range(1, 32)]
    public int MaxConcurrent { get; set; } = 2;

    [Range(1, 3650)]
    public int RetentionDays { get; set; } = 30;

    [Range(0.01, 10_000)]
    public double RetentionGiB { get; set; } = 5;

    /// <summary>Folder holding ffmpeg and ffprobe; empty: found on PATH.</summary>
    public string? FfmpegFolder { get; set; }
}

[OptionsValidator]
public sealed partial class CameraOptionsValidator : IValidateOptions<CameraOptions>;
