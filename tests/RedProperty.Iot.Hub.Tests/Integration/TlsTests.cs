using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Formatter;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>MQTT over TLS and HTTPS with a certificate generated here; clients that do not trust it are refused.</summary>
public sealed class TlsTests : IAsyncLifetime
{
    private string _workDir = null!;
    private X509Certificate2 _certificate = null!;

    public async Task InitializeAsync()
    {
        _workDir = Directory.CreateTempSubdirectory("rp-tls-").FullName;
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=edge-box.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllTextAsync(Path.Combine(_workDir, "hub.crt"), _certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(_workDir, "hub.key"), key.ExportPkcs8PrivateKeyPem());
    }

    public Task DisposeAsync()
    {
        _certificate.Dispose();
        Directory.Delete(_workDir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Devices_and_staff_connect_over_tls_when_they_trust_the_certificate_and_are_refused_when_they_do_not()
    {
        await using var hub = await HubHost.StartAsync(new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(_workDir),
            ["Influx:Version"] = "none",
            ["Tls:CertificatePath"] = Path.Combine(_workDir, "hub.crt"),
            ["Tls:KeyPath"] = Path.Combine(_workDir, "hub.key"),
            ["Mqtt:TlsPort"] = "0",
            ["Http:Urls"] = "http://127.0.0.1:0;https://127.0.0.1:0",
        });
        Assert.NotEqual(0, hub.MqttTlsPort);

        // A device that trusts the hub's certificate (pinned by thumbprint) logs in and publishes.
        using var trusting = new MqttClientFactory().CreateMqttClient();
        var ok = await trusting.ConnectAsync(Options(hub, c => c?.Thumbprint == _certificate.Thumbprint));
        Assert.Equal(MqttClientConnectResultCode.Success, ok.ResultCode);
        Assert.True((await HubHost.PublishAsync(trusting, $"rp/{TestRegistry.Site}/light/light-1/telemetry", """{"on":true,"lux":40,"currentA":0.2}""")).IsSuccess);

        // One that validates the chain normally does not trust a self-signed certificate: no connection.
        using var doubting = new MqttClientFactory().CreateMqttClient();
        await Assert.ThrowsAnyAsync<Exception>(() => doubting.ConnectAsync(Options(hub, certificate: null)));
        Assert.False(doubting.IsConnected);

        var https = hub.HttpUrls.Single(u => u.Scheme == "https");
        using var pinned = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, c, _, _) => c?.Thumbprint == _certificate.Thumbprint }) { BaseAddress = https };
        Assert.Equal(HttpStatusCode.OK, (await pinned.GetAsync("/healthz")).StatusCode);
        using var plain = new HttpClient { BaseAddress = https };
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync("/healthz"));
        Assert.IsType<AuthenticationException>(refused.InnerException);
    }

    [Fact]
    public async Task A_missing_certificate_file_stops_the_hub_with_the_setting_named()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => HubHost.StartAsync(new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(_workDir),
            ["Influx:Version"] = "none",
            ["Tls:CertificatePath"] = Path.Combine(_workDir, "missing.crt"),
        }));
        Assert.Contains("Tls:CertificatePath", error.ToString());
    }

    private MqttClientOptions Options(HubHost hub, Func<X509Certificate2?, bool>? certificate) => new MqttClientOptionsBuilder()
        .WithClientId($"{TestRegistry.Site}/light-1")
        .WithCredentials($"{TestRegistry.Site}/light-1", TestRegistry.SecretOf("light-1"))
        .WithProtocolVersion(MqttProtocolVersion.V500)
        .WithTimeout(TimeSpan.FromSeconds(10))
        .WithTcpServer("127.0.0.1", hub.MqttTlsPort)
        .WithTlsOptions(o =>
        {
            o.UseTls();
            if (certificate is not null)
            {
                o.WithCertificateValidationHandler(e => certificate(e.Certificate as X509Certificate2 ?? (e.Certificate is null ? null : X509CertificateLoader.LoadCertificate(e.Certificate.GetRawCertData()))));
            }
        })
        .Build();
}
