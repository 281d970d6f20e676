using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using MQTTnet.Server;
using RedProperty.Iot.Hub.Broker;
using RedProperty.Iot.Hub.Cameras;
using RedProperty.Iot.Hub.Configuration;
using RedProperty.Iot.Hub.TimeSeries;

namespace RedProperty.Iot.Hub.Operations;

public sealed class BrokerHealthCheck(MqttServer server) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(server.IsStarted ? HealthCheckResult.Healthy("embedded MQTT broker is running") : HealthCheckResult.Unhealthy("embedded MQTT broker is not running"));
}

/// <summary>InfluxDB reachability: degraded, not unhealthy, when it is down, because the spool keeps every point.</summary>
public sealed class InfluxHealthCheck(TimeSeriesWriter writer) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["target"] = writer.SinkDescription };
        if (!writer.HasSink)
        {
            return Task.FromResult(HealthCheckResult.Healthy("no InfluxDB configured (Influx:Version=none): points are kept in the spool", data));
        }

        if (writer.SinkAvailable)
        {
            return Task.FromResult(HealthCheckResult.Healthy("InfluxDB takes writes", data));
        }

        data["lastProblem"] = writer.LastSinkProblem ?? "unknown";
        return Task.FromResult(HealthCheckResult.Degraded("InfluxDB is unreachable; points go to the spool", data: data));
    }
}

public sealed class SpoolHealthCheck(TimeSeriesWriter writer, IOptions<InfluxOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var spool = writer.Spool;
        var bytes = spool.Bytes;
        var data = new Dictionary<string, object>
        {
            ["points"] = spool.PendingPoints,
            ["bytes"] = bytes,
            ["segments"] = spool.Segments,
            ["maxBytes"] = options.Value.SpoolMaxBytes,
            ["droppedPoints"] = spool.DroppedPoints,
            ["queuedPoints"] = writer.QueuedPoints,
        };
        if (spool.DroppedPoints > 0)
        {
            return Task.FromResult(HealthCheckResult.Degraded("the spool was full and dropped its oldest points", data: data));
        }

        return Task.FromResult(bytes > options.Value.SpoolMaxBytes * 0.8
            ? HealthCheckResult.Degraded("the spool is over 80% full", data: data)
            : HealthCheckResult.Healthy(spool.IsEmpty ? "spool is empty" : "spool is replaying", data));
    }
}

public sealed class DiskHealthCheck(IOptions<HubOptions> options) : IHealthCheck
{
    private const long LowDiskBytes = 1L << 30;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var dataDir = Path.GetFullPath(options.Value.DataDir);
        var free = new DriveInfo(dataDir).AvailableFreeSpace;
        var data = new Dictionary<string, object> { ["dataDir"] = dataDir, ["freeBytes"] = free };
        return Task.FromResult(free < LowDiskBytes
            ? HealthCheckResult.Degraded("less than 1 GiB free for the data directory", data: data)
            : HealthCheckResult.Healthy("enough free disk", data));
    }
}

/// <summary>In external broker mode: connected to the broker or not.</summary>
public sealed class ExternalBrokerHealthCheck(ExternalBrokerConsumer consumer) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(
        HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(consumer.IsConnected
            ? HealthCheckResult.Healthy("consuming from the external broker")
            : HealthCheckResult.Unhealthy("not connected to the external broker"));
}

/// <summary>Degraded when cameras have streams but ffmpeg is missing: alerts then come without evidence or stream checks.</summary>
public sealed class CameraHealthCheck(CameraGrabber grabber, DeviceRegistry registry) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var cameras = registry.Devices.Count(d => d.Kind == DeviceKind.Camera && d.StreamUrl is not null);
        var data = new Dictionary<string, object> { ["camerasWithStream"] = cameras, ["ffmpeg"] = grabber.FfmpegPath ?? "missing" };
        return Task.FromResult(cameras > 0 && !grabber.IsAvailable
            ? HealthCheckResult.Degraded("ffmpeg is not installed: no snapshots, clips or stream checks (Debian: apt-get install ffmpeg)", data: data)
            : HealthCheckResult.Healthy(cameras == 0 ? "no camera has a streamUrl" : $"{cameras} camera stream(s)", data));
    }
}

public static class HealthResponse
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Writes the report as JSON: overall status and each check with its figures.</summary>
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString(), description = e.Value.Description, data = e.Value.Data }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
    }

    public static HealthCheckOptions Options { get; } = new() { ResponseWriter = WriteAsync };
}
