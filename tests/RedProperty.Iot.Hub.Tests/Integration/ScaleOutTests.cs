using System.Net;
using System.Net.Http.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>Two hub instances on one Mosquitto, each owning one site, sharing the desk through a Redis backplane.</summary>
[Collection("heavy")]
public sealed class ScaleOutTests : IAsyncLifetime
{
    private string _workDir = null!;
    private MosquittoServer _broker = null!;
    private RedisServer _redis = null!;

    public async Task InitializeAsync()
    {
        _workDir = Directory.CreateTempSubdirectory("rp-scale-").FullName;
        _broker = await MosquittoServer.StartAsync();
        _redis = await RedisServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        await _broker.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    [Fact]
    public async Task A_desk_on_instance_A_sees_instance_Bs_alert_and_acknowledging_it_through_A_reaches_Bs_store()
    {
        var registry = TestRegistry.Write(_workDir);
        await using var a = await HubHost.StartAsync(Settings(registry, "hub-a", TestRegistry.OtherSite));
        await using var b = await HubHost.StartAsync(Settings(registry, "hub-b", TestRegistry.Site));
        await using var desk = await DeskClient.ConnectAsync(a, await a.TokenAsync(HubHost.AdminUser, HubHost.AdminPassword));
        await desk.WaitForAsync("snapshot");

        // A camera of B's site (testsite) reports tampering, through the shared broker.
        using var camera = new MqttClientFactory().CreateMqttClient();
        await camera.ConnectAsync(new MqttClientOptionsBuilder().WithClientId($"{TestRegistry.Site}/cam-1").WithProtocolVersion(MqttProtocolVersion.V500).WithTcpServer("127.0.0.1", _broker.Port).Build());
        await camera.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"rp/{TestRegistry.Site}/camera/cam-1/telemetry").WithPayload("""{"online":true,"tamper":true}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        var (raised, _) = await desk.WaitForAsync("alertRaised", p => p.GetProperty("type").GetString() == "camera_tamper", TimeSpan.FromSeconds(15));
        var id = raised.GetProperty("id").GetString();
        Assert.Equal(TestRegistry.Site, raised.GetProperty("site").GetString());
        Assert.Equal(0, (await a.GetJsonAsync("/api/alerts")).GetArrayLength()); // it is B's alert, in B's store

        // Acknowledged through A: carried out by B, in B's store, and pushed to the desk on A.
        using var ack = await a.Http.PostAsJsonAsync($"/api/alerts/{id}/ack", new { note = "guard sent" });
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        var stored = await b.GetJsonAsync($"/api/alerts/{id}");
        Assert.Equal(("acknowledged", HubHost.AdminUser), (stored.GetProperty("alert").GetProperty("state").GetString(), stored.GetProperty("alert").GetProperty("acknowledgedBy").GetString()));
        await desk.WaitForAsync("alertUpdated", p => p.GetProperty("id").GetString() == id && p.GetProperty("state").GetString() == "acknowledged", TimeSpan.FromSeconds(10));

        // Reports come from the instance that has the site's alerts; the other says so instead of showing perfect figures.
        using var misdirected = await a.Http.GetAsync($"/api/reports/service-quality?site={TestRegistry.Site}");
        Assert.Equal(HttpStatusCode.MisdirectedRequest, misdirected.StatusCode);
        Assert.Equal(TestRegistry.OtherSite, Assert.Single((await a.GetJsonAsync("/api/reports/ranking")).GetProperty("sites").EnumerateArray()).GetProperty("site").GetString());
        Assert.Equal(1, (await b.GetJsonAsync($"/api/reports/service-quality?site={TestRegistry.Site}&from={DateTimeOffset.UtcNow.AddHours(-1):O}&to={DateTimeOffset.UtcNow.AddHours(1):O}".Replace("+", "%2B"))).GetProperty("alerts").GetProperty("raised").GetInt32());

        // Details too come from the owner; an alert no instance has is still 404.
        var detail = await a.GetJsonAsync($"/api/alerts/{id}");
        Assert.Equal("acknowledged", detail.GetProperty("alert").GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await a.Http.PostAsJsonAsync($"/api/alerts/{Guid.NewGuid()}/ack", new { })).StatusCode);
    }

    private Dictionary<string, string?> Settings(string registry, string clientId, string site) => new()
    {
        ["Hub:Registry"] = registry,
        ["Hub:Sites:0"] = site,
        ["Influx:Version"] = "none",
        ["Mqtt:Mode"] = "external",
        ["Mqtt:ExternalUrl"] = $"mqtt://127.0.0.1:{_broker.Port}",
        ["Mqtt:ClientId"] = clientId,
        ["SignalR:Redis"] = _redis.ConnectionString,
    };
}
