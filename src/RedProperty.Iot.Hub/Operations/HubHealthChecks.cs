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

/// <summary>InfluxDB reachability and the shipper's lag: degraded, not unhealthy, when it is down, because the journal keeps the points.</summary>
public sealed class InfluxHealthCheck(TimeSeriesShipper shipper) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var (records, age) = shipper.Lag;
        var data = new Dictionary<string, object> { ["target"] = shipper.SinkDescription, ["lagRecords"] = records, ["lagSeconds"] = Math.Round(age.TotalSeconds, 1) };
        if (!shipper.HasSink)
        {
            return Task.FromResult(HealthCheckResult.Healthy("no InfluxDB configured (Influx:Version=none): points stay in the journal until it is full", data));
        }

        if (shipper.SinkAvailable)
        {
            return Task.FromResult(HealthCheckResult.Healthy("InfluxDB takes writes", data));
        }

        data["lastProblem"] = shipper.LastSinkProblem ?? "unknown";
        return Task.FromResult(HealthCheckResult.Degraded("InfluxDB is unreachable; points wait in the journal", data: data));
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
