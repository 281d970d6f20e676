using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using RedProperty.Iot.Hub.Hosting;
using RedProperty.Iot.Hub.TimeSeries;

namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>The real hub, in process, on free loopback ports, with its own data directory.</summary>
public sealed class HubHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _ownsDataDir;

    private HubHost(WebApplication app, string dataDir, bool ownsDataDir)
    {
        _app = app;
        DataDir = dataDir;
        _ownsDataDir = ownsDataDir;
        var listeners = app.Services.GetRequiredService<HubListeners>();
        MqttPort = listeners.MqttPort;
        MqttTlsPort = listeners.MqttTlsPort;
        HttpUrls = listeners.HttpUrls.Select(u => new Uri(u)).ToArray();
        HttpUrl = new Uri(listeners.HttpUrls.First());
        Http = new HttpClient { BaseAddress = HttpUrl };
    }

    public string DataDir { get; }

    public int MqttPort { get; }

    /// <summary>MQTT over TLS (0 when no certificate is configured).</summary>
    public int MqttTlsPort { get; }

    /// <summary>Every HTTP listener as bound (http and https).</summary>
    public IReadOnlyList<Uri> HttpUrls { get; }

    public Uri HttpUrl { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts a hub. <paramref name="settings"/> are configuration keys, e.g. <c>Influx:Version</c>.</summary>
    public static async Task<HubHost> StartAsync(IReadOnlyDictionary<string, string?> settings, string? dataDir = null, Action<WebApplicationBuilder>? configure = null)
    {
        var ownsDataDir = dataDir is null;
        dataDir ??= Directory.CreateTempSubdirectory("rp-hub-").FullName;
        var args = new List<string>
        {
            "--Http:Urls", "http://127.0.0.1:0",
            "--Mqtt:Port", "0",
            "--Mqtt:BindAddress", "127.0.0.1",
            "--Hub:DataDir", dataDir,
            "--Hub:SecretHashIterations", "1000",
            "--Logging:LogLevel:Default", "Warning",
            "--Staff:BootstrapAdmin:Username", AdminUser,
            "--Staff:BootstrapAdmin:Password", AdminPassword,
        };
        foreach (var (key, value) in settings)
        {
            args.Add($"--{key}");
            args.Add(value ?? string.Empty);
        }

        var app = HubApp.Create([.. args], configure);
        await app.StartAsync();
        var host = new HubHost(app, dataDir, ownsDataDir);
        var token = await host.TokenAsync(AdminUser, AdminPassword);
        host.Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return host;
    }

    public const string AdminUser = "admin";

    public const string AdminPassword = "test-admin-password";

    /// <summary>A bearer token for a staff account (POST /api/auth/token).</summary>
    public async Task<string> TokenAsync(string username, string password)
    {
        using var anonymous = new HttpClient { BaseAddress = HttpUrl };
        using var response = await anonymous.PostAsJsonAsync("/api/auth/token", new { username, password });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    public static Dictionary<string, string?> InfluxV1(InfluxServer influx, string registryPath) => new()
    {
        ["Hub:Registry"] = registryPath,
        ["Influx:Version"] = "1",
        ["Influx:Url"] = influx.Url.ToString(),
        ["Influx:Database"] = InfluxServer.Database,
        ["Influx:TimeoutMs"] = "2000",
    };

    public async Task<IMqttClient> ConnectDeviceAsync(string deviceId, string? secret = null, MqttProtocolVersion version = MqttProtocolVersion.V500, string site = TestRegistry.Site)
    {
        var (client, result) = await TryConnectAsync($"{site}/{deviceId}", secret ?? TestRegistry.SecretOf(deviceId), version);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            client.Dispose();
            throw new InvalidOperationException($"{deviceId} could not log in: {result.ResultCode}");
        }

        return client;
    }

    public async Task<(IMqttClient Client, MqttClientConnectResult Result)> TryConnectAsync(string userName, string secret, MqttProtocolVersion version = MqttProtocolVersion.V500, bool webSocket = false)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var builder = new MqttClientOptionsBuilder()
            .WithClientId(userName)
            .WithCredentials(userName, secret)
            .WithProtocolVersion(version)
            .WithTimeout(TimeSpan.FromSeconds(10));
        builder = webSocket
            ? builder.WithWebSocketServer(o => o.WithUri($"ws://127.0.0.1:{HttpUrl.Port}/mqtt"))
            : builder.WithTcpServer("127.0.0.1", MqttPort);
        var result = await client.ConnectAsync(builder.Build());
        return (client, result);
    }

    public static Task<MqttClientPublishResult> PublishAsync(IMqttClient client, string topic, string payload, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce, bool retain = false) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(qos).WithRetainFlag(retain).Build());

    /// <summary>
    /// Waits until the shipper has written everything the journal holds to InfluxDB: a PUBACK means the
    /// message is in the journal, not yet in InfluxDB.
    /// </summary>
    public Task ShippedAsync() =>
        Eventually.BecomesAsync(() => Task.FromResult(Services.GetRequiredService<TimeSeriesShipper>().Lag.Records), lag => lag == 0, TimeSpan.FromSeconds(20), "the journal shipped to InfluxDB");

    public async Task<JsonElement> GetJsonAsync(string path) =>
        await Http.GetFromJsonAsync<JsonElement>(path);

    public async Task<string> MetricsAsync() => await Http.GetStringAsync("/metrics");

    /// <summary>The value of one metric line, e.g. <c>rp_hub_points_dropped_total{reason="spool_full"}</c> (0 when absent).</summary>
    public async Task<double> MetricAsync(string series)
    {
        foreach (var line in (await MetricsAsync()).Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    public async Task StopAsync() => await _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Http.Dispose();
        if (_ownsDataDir)
        {
            try
            {
                Directory.Delete(DataDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
