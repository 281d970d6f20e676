using System.Diagnostics;
using System.Globalization;
using System.Net;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>
/// External broker mode against Debian's mosquitto: the hub consumes its own sites with a persistent
/// session and manual acknowledgements, so a hub process killed (SIGKILL) and started again loses nothing.
/// </summary>
[Collection("heavy")]
public sealed class ExternalBrokerTests : IAsyncLifetime
{
    private string _workDir = null!;
    private MosquittoServer _broker = null!;
    private InfluxServer _influx = null!;

    public async Task InitializeAsync()
    {
        _workDir = Directory.CreateTempSubdirectory("rp-external-").FullName;
        _broker = await MosquittoServer.StartAsync();
        _influx = new InfluxServer();
        await _influx.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _influx.DisposeAsync();
        await _broker.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    [Fact]
    public async Task A_hub_killed_and_restarted_while_devices_publish_at_qos1_lands_every_message_exactly_once()
    {
        const int messages = 600;
        var registry = TestRegistry.Write(_workDir);
        var hub = await StartHubAsync(registry);

        using var charger = await DeviceAsync("chg-1");
        using var elsewhere = await DeviceAsync("chg-x", TestRegistry.OtherSite);
        var start = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds();
        var publishing = Task.Run(async () =>
        {
            for (var i = 1; i <= messages; i++)
            {
                var payload = string.Create(CultureInfo.InvariantCulture, $$"""{"circuit":"station","currentA":1.5,"plugged":true,"seq":{{i}},"ts":{{start + i}}}""");
                var result = await charger.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"rp/{TestRegistry.Site}/charger/chg-1/telemetry").WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
                Assert.True(result.IsSuccess);
                if (i % 50 == 0)
                {
                    await elsewhere.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"rp/{TestRegistry.OtherSite}/charger/chg-x/telemetry").WithPayload("""{"circuit":"stairwell","currentA":0.1}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
                }

                await Task.Delay(5);
            }
        });

        // Kill the hub in the middle of the stream, leave it down a moment, start it again.
        await Eventually.BecomesAsync(() => CountAsync(), n => n >= messages / 4, TimeSpan.FromSeconds(30), "the first points");
        hub.Kill(entireProcessTree: true);
        await hub.WaitForExitAsync();
        hub.Dispose();
        await Task.Delay(1500);
        hub = await StartHubAsync(registry);
        try
        {
            await publishing;
            var landed = await Eventually.BecomesAsync(() => CountAsync(), n => n >= messages, TimeSpan.FromSeconds(60), "every message in InfluxDB");
            await Task.Delay(1000);
            Assert.Equal(messages, await CountAsync());
            Assert.Equal(messages, landed);
            var seqs = await _influx.RowsAsync($"SELECT sum(\"seq\") FROM \"charger\" WHERE \"device\" = 'chg-1'");
            Assert.Equal(messages * (messages + 1) / 2, seqs[0]["sum"].GetInt64());

            // The other compound belongs to another instance: none of its messages are this hub's.
            Assert.Empty(await _influx.RowsAsync($"SELECT count(\"currentA\") FROM \"charger\" WHERE \"site\" = '{TestRegistry.OtherSite}'"));
        }
        finally
        {
            hub.Kill(entireProcessTree: true);
            await hub.WaitForExitAsync();
            hub.Dispose();
        }
    }

    private async Task<long> CountAsync()
    {
        var rows = await _influx.RowsAsync("SELECT count(\"currentA\") FROM \"charger\" WHERE \"device\" = 'chg-1'");
        return rows.Count == 0 ? 0 : rows[0]["count"].GetInt64();
    }

    private async Task<IMqttClient> DeviceAsync(string id, string site = TestRegistry.Site)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithClientId($"{site}/{id}").WithProtocolVersion(MqttProtocolVersion.V500).WithTcpServer("127.0.0.1", _broker.Port).Build());
        return client;
    }

    /// <summary>The hub as its own process (so it can be killed for real), in external broker mode owning testsite.</summary>
    private async Task<Process> StartHubAsync(string registry)
    {
        var port = FreePort.Next();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var arguments = new List<string>
        {
            Path.Combine(AppContext.BaseDirectory, "RedProperty.Iot.Hub.dll"),
            "--Http:Urls", $"http://127.0.0.1:{port}",
            "--Hub:DataDir", Path.Combine(_workDir, "data"),
            "--Hub:Registry", registry,
            "--Hub:Sites:0", TestRegistry.Site,
            "--Hub:SecretHashIterations", "1000",
            "--Mqtt:Mode", "external",
            "--Mqtt:ExternalUrl", $"mqtt://127.0.0.1:{_broker.Port}",
            "--Mqtt:ClientId", "hub-b",
            "--Logging:LogLevel:Default", "Warning",
        };
        foreach (var (key, value) in HubHost.InfluxV1(_influx, registry).Where(kv => kv.Key.StartsWith("Influx", StringComparison.Ordinal)))
        {
            arguments.Add($"--{key}");
            arguments.Add(value!);
        }

        arguments.ForEach(start.ArgumentList.Add);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await Eventually.BecomesAsync(async () =>
        {
            try
            {
                return (await http.GetAsync("/healthz")).StatusCode;
            }
            catch (HttpRequestException)
            {
                return HttpStatusCode.ServiceUnavailable;
            }
        }, s => s == HttpStatusCode.OK || process.HasExited, TimeSpan.FromSeconds(30), "the hub connected to the broker");
        Assert.False(process.HasExited, "the hub process exited");
        return process;
    }
}
