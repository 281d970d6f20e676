using System.Net;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using RedProperty.Iot.Domain.Registry;
using RedProperty.Iot.Hub.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>
/// Guessing secrets must cost the guesser, not the hub: the hub as its own process with the production
/// work factor (PBKDF2, 100 000 iterations), its CPU time counted while it is attacked.
/// </summary>
[Collection("heavy")]
public sealed class BrokerLoginAbuseTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly IPAddress Attacker = IPAddress.Parse("127.0.0.2");
    private string _workDir = null!;

    public Task InitializeAsync()
    {
        _workDir = Directory.CreateTempSubdirectory("rp-logins-").FullName;
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_workDir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_flood_of_wrong_logins_costs_the_hub_little_and_a_real_device_still_gets_in()
    {
        await using var hub = await HubProcess.StartAsync(Path.Combine(_workDir, "data"), new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(_workDir),
            ["Hub:SecretHashIterations"] = "100000",
            ["Influx:Version"] = "none",
            ["Mqtt:Limits:MaxLoginDelaySeconds"] = "2",
        });

        // The test registry's secrets are short, so they are key-stretched: the expensive case.
        var perCheck = TicksPerKeyStretchedCheck();
        var idlePerSecond = await hub.CpuTicksOverAsync(TimeSpan.FromSeconds(2)) / 2.0;
        var before = hub.CpuTicks();
        var started = DateTime.UtcNow;
        var codes = new System.Collections.Concurrent.ConcurrentBag<int>();
        var flood = Task.WhenAll(Enumerable.Range(0, 24).Select(async worker =>
        {
            for (var i = 0; i < 15; i++)
            {
                var user = "testsite/cam-1";
                var version = i % 2 == 0 ? MqttProtocolVersion.V500 : MqttProtocolVersion.V311;
                var (client, code) = await MqttWire.LoginAsync(hub.MqttPort, version, user, $"guess-{worker}-{i}", $"guess-{worker}-{i}", Attacker);
                client.Dispose();
                codes.Add(version == MqttProtocolVersion.V500 ? code : code switch { 4 => 0x86, 3 => 0x89, _ => code });
            }
        }));

        // Meanwhile a real device logs in for the first time since the start (its secret is checked in full) and publishes.
        await Task.Delay(1000);
        var device = new MqttClientFactory().CreateMqttClient();
        var connected = await device.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", hub.MqttPort)
            .WithClientId("testsite/chg-1")
            .WithCredentials("testsite/chg-1", TestRegistry.SecretOf("chg-1"))
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build());
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
        for (var i = 0; i < 20; i++)
        {
            Assert.True((await HubHost.PublishAsync(device, "rp/testsite/charger/chg-1/telemetry", $$"""{"circuit":"corridor","currentA":0.1,"seq":{{i}}}""")).IsSuccess);
        }

        await flood;
        var seconds = (DateTime.UtcNow - started).TotalSeconds;
        var ticks = hub.CpuTicks() - before - (idlePerSecond * seconds);

        // From the attacking address: 5 free checks, then at most one per delay (at least 1 s); plus the device's own.
        var checks = await hub.MetricAsync("rp_hub_login_secret_checks_total{kind=\"key_stretched\"}");
        output.WriteLine($"flood: {seconds:0.0} s, {checks} key-stretched checks, {ticks:0} clock ticks of hub CPU beyond idle ({idlePerSecond:0.0}/s); one check costs {perCheck:0.0}");
        Assert.True(checks <= 5 + seconds + 1, $"{checks} key-stretched checks in {seconds:0} s of flood");

        // The old hub ran a PBKDF2 for each of the 360 (machines differ, so its cost is measured here).
        Assert.True(ticks < 0.5 * 360 * perCheck, $"the hub used {ticks:0} clock ticks for 360 wrong logins; 360 PBKDF2 checks cost {360 * perCheck:0}");
        Assert.Equal(360, codes.Count);
        Assert.All(codes, c => Assert.True(c is 0x86 or 0x89, $"refused with {c}"));
        Assert.Contains(0x86, codes);
        await device.DisconnectAsync();
        var health = await hub.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    /// <summary>
    /// Clock ticks (1/100 s) one PBKDF2 check at 100 000 iterations costs on this machine, as CPU time of
    /// this process (the heavy collection runs alone, so nothing else in it is busy meanwhile).
    /// </summary>
    private static double TicksPerKeyStretchedCheck()
    {
        var hash = DeviceSecretHasher.Hash("secret-of-cam-1", 100_000);
        var before = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        for (var i = 0; i < 10; i++)
        {
            DeviceSecretHasher.Verify("wrong", hash);
        }

        return (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - before).TotalSeconds * 100 / 10;
    }

    [Fact]
    public async Task A_registry_of_generated_secrets_is_imported_without_key_stretching()
    {
        var secrets = Enumerable.Range(0, 2000).Select(_ => DeviceSecretHasher.NewSecret()).ToArray();
        var registry = Path.Combine(_workDir, "big.json");
        await File.WriteAllTextAsync(registry, JsonSerializer.Serialize(new
        {
            sites = new[]
            {
                new
                {
                    id = "big", name = "大", timeZone = "Asia/Shanghai",
                    zones = new[] { new { id = "z", name = "z", type = "area" } },
                    devices = secrets.Select((s, i) => new { id = $"light-{i}", kind = "light", zone = "z", secret = s }).ToArray(),
                },
            },
        }));

        await using var hub = await HubProcess.StartAsync(Path.Combine(_workDir, "big-data"), new Dictionary<string, string?>
        {
            ["Hub:Registry"] = registry,
            ["Hub:SecretHashIterations"] = "100000",
            ["Influx:Version"] = "none",
        });

        // 2 000 PBKDF2 runs at 100 000 iterations took the old hub over a minute of CPU before it answered.
        var ticks = hub.CpuTicks();
        output.WriteLine($"start with 2 000 generated secrets: {ticks} clock ticks of hub CPU");
        Assert.True(ticks < 2000, $"the hub used {ticks} clock ticks to start with 2 000 generated secrets");
        var kept = await File.ReadAllTextAsync(Path.Combine(hub.DataDir, "registry.kept.json"));
        Assert.DoesNotContain(secrets[7], kept, StringComparison.Ordinal);
        Assert.DoesNotContain("pbkdf2-sha256$", kept, StringComparison.Ordinal);

        var device = new MqttClientFactory().CreateMqttClient();
        var result = await device.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", hub.MqttPort)
            .WithCredentials("big/light-7", secrets[7])
            .Build());
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        var wrong = new MqttClientFactory().CreateMqttClient();
        var refused = await wrong.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", hub.MqttPort)
            .WithCredentials("big/light-7", secrets[8])
            .Build());
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, refused.ResultCode);
        await device.DisconnectAsync();
    }

    [Fact]
    public async Task Refused_logins_are_logged_once_a_minute_per_address_and_never_as_raw_user_names()
    {
        await using var hub = await HubProcess.StartAsync(Path.Combine(_workDir, "data"), new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(_workDir),
            ["Influx:Version"] = "none",
            ["Mqtt:Limits:MinRefusalDelayMs"] = "0",
            ["Mqtt:Limits:FreeFailedLogins"] = "1000",
        });

        // Under the CONNECT size limit, so it reaches the login check.
        var forged = "testsite/x\nwarn: RedProperty.Iot.Hub.Staff.StaffBootstrap[1]\n      FORGED-LOG-LINE" + new string('A', 4_000);
        for (var i = 0; i < 20; i++)
        {
            var (client, code) = await MqttWire.LoginAsync(hub.MqttPort, MqttProtocolVersion.V500, forged, "x", $"c{i}", Attacker);
            client.Dispose();
            Assert.Equal(0x86, code);
        }

        await Task.Delay(500);
        var log = hub.Output;
        var lines = log.Split('\n');
        Assert.All(lines.Where(l => l.Contains("FORGED-LOG-LINE", StringComparison.Ordinal)), l => Assert.Contains("Refused login of", l, StringComparison.Ordinal));
        Assert.DoesNotContain(new string('A', 1000), log, StringComparison.Ordinal);
        var refusals = lines.Count(l => l.Contains("Refused login of", StringComparison.Ordinal));
        Assert.Equal(1, refusals);
    }
}
