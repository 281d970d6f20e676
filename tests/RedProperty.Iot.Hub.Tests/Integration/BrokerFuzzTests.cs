using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Formatter;
using RedProperty.Iot.FirmwareSim.Devices;
using RedProperty.Iot.FirmwareSim.Fuzzing;
using RedProperty.Iot.Hub.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>
/// A seeded, bounded MQTT fuzz run (firmware-sim's fuzzer) against the hub as its own process, over TCP,
/// TLS and WebSockets, MQTT 3.1.1 and 5, before and after a good login. Afterwards the hub must be back
/// at idle, not ballooned, and a good device must still connect and publish over every transport.
/// `deploy/benchmark-security.sh` runs the same fuzzer with tens of thousands of cases.
/// </summary>
[Collection("heavy")]
public sealed class BrokerFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Seed = 20261202;
    private const int Cases = 600;
    private string _workDir = null!;

    public async Task InitializeAsync()
    {
        _workDir = Directory.CreateTempSubdirectory("rp-fuzz-").FullName;
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=edge-box.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllTextAsync(Path.Combine(_workDir, "hub.crt"), certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(_workDir, "hub.key"), key.ExportPkcs8PrivateKeyPem());
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_workDir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task After_a_fuzz_run_the_hub_is_idle_and_good_devices_connect_over_every_transport()
    {
        var registry = Path.Combine(_workDir, "registry.json");
        RegistryFile.Write(RegistryFile.DemoCompound("fuzz", "模糊测试", 3), registry);
        var tlsPort = FreePort.Next();
        await using var hub = await HubProcess.StartAsync(Path.Combine(_workDir, "data"), new Dictionary<string, string?>
        {
            ["Hub:Registry"] = registry,
            ["Influx:Version"] = "none",
            ["Tls:CertificatePath"] = Path.Combine(_workDir, "hub.crt"),
            ["Tls:KeyPath"] = Path.Combine(_workDir, "hub.key"),
            ["Mqtt:TlsPort"] = tlsPort.ToString(CultureInfo.InvariantCulture),
        });

        var idle = await hub.CpuTicksOverAsync(TimeSpan.FromSeconds(2));
        var residentBefore = hub.ResidentBytes();
        var identities = RegistryFile.ReadIdentities(registry);
        var targets = new FuzzTargets("127.0.0.1", hub.MqttPort, tlsPort, new Uri($"ws://127.0.0.1:{hub.HttpUrl.Port}/mqtt"));
        var summary = await new MqttFuzzer(targets, identities).RunAsync(Seed, Cases, parallel: 8, progress: null, CancellationToken.None);
        output.WriteLine($"fuzz: {summary.Cases} cases in {summary.Seconds:0.0} s, {summary.LoggedIn} logged in, {summary.ClosedByBroker} closed by the hub, {summary.Errors} transport errors");
        foreach (var (kind, count) in summary.ByKind.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {kind}: {count}");
        }

        Assert.Equal(Cases, summary.Cases);
        Assert.False(hub.HasExited, "the hub process died under fuzzing");

        // Every kind of case ran, and logins after which broken packets were sent did happen.
        Assert.Equal(12, summary.ByKind.Count);
        Assert.True(summary.LoggedIn > Cases / 4, $"only {summary.LoggedIn} good logins");

        // A spinning reader costs a whole core (200 ticks in 2 s) for good; anything else settles.
        var after = await hub.SettledCpuTicksAsync(40 + idle, TimeSpan.FromSeconds(30));
        var grown = hub.ResidentBytes() - residentBefore;
        output.WriteLine($"idle before: {idle} ticks in 2 s; after: {after} ticks in 2 s; resident memory grew {grown / 1e6:0} MB");
        Assert.True(after < 40 + idle, $"the hub still used {after} clock ticks in 2 s, 30 s after the fuzz run (idle: {idle} in 2 s)");
        Assert.True(grown < 200_000_000, $"the hub grew by {grown:N0} bytes");

        using var health = await hub.Http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var device = identities[0];
        foreach (var builder in new Func<MqttClientOptionsBuilder, MqttClientOptionsBuilder>[]
        {
            b => b.WithTcpServer("127.0.0.1", hub.MqttPort),
            b => b.WithTcpServer("127.0.0.1", tlsPort).WithTlsOptions(t => t.UseTls().WithCertificateValidationHandler(_ => true)),
            b => b.WithWebSocketServer(o => o.WithUri($"ws://127.0.0.1:{hub.HttpUrl.Port}/mqtt")),
        })
        {
            using var client = new MqttClientFactory().CreateMqttClient();
            var result = await client.ConnectAsync(builder(new MqttClientOptionsBuilder())
                .WithCredentials(device.UserName, device.Secret)
                .WithProtocolVersion(MqttProtocolVersion.V500)
                .WithTimeout(TimeSpan.FromSeconds(10))
                .Build());
            Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
            var published = await HubHost.PublishAsync(client, $"rp/{device.Site}/{device.Kind.ToString().ToLowerInvariant()}/{device.Id}/status", "online");
            Assert.True(published.IsSuccess, published.ReasonString);
            await client.DisconnectAsync();
        }
    }
}
