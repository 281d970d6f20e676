using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>Logins and the per-device ACL, with real MQTT clients against the embedded broker.</summary>
public sealed class DeviceSecurityTests : HubWithInfluxTest
{
    [Theory]
    [InlineData(MqttProtocolVersion.V500)]
    [InlineData(MqttProtocolVersion.V311)]
    public async Task A_wrong_secret_is_refused_as_bad_credentials(MqttProtocolVersion version)
    {
        var (client, result) = await Hub.TryConnectAsync("testsite/cam-1", "not-the-secret", version);
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, result.ResultCode);
        Assert.False(client.IsConnected);
        Assert.Equal(1, await Hub.MetricAsync("rp_hub_connections_refused_total{reason=\"wrong_secret\"}"));
    }

    [Theory]
    [InlineData("testsite/nobody", MqttProtocolVersion.V500)]
    [InlineData("othersite/cam-1", MqttProtocolVersion.V311)]
    [InlineData("cam-1", MqttProtocolVersion.V500)]
    public async Task An_unknown_device_is_refused_as_bad_credentials_like_a_wrong_secret(string userName, MqttProtocolVersion version)
    {
        var (_, result) = await Hub.TryConnectAsync(userName, TestRegistry.SecretOf("cam-1"), version);
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, result.ResultCode);
    }

    [Fact]
    public async Task The_right_secret_is_accepted_again_after_a_wrong_one()
    {
        await Hub.TryConnectAsync("testsite/cam-1", "wrong-secret!");
        var client = await Hub.ConnectDeviceAsync("cam-1");
        Assert.True(client.IsConnected);
        await client.DisconnectAsync();
        var again = await Hub.ConnectDeviceAsync("cam-1");
        Assert.True(again.IsConnected);
        await again.DisconnectAsync();
    }

    [Fact]
    public async Task A_device_cannot_take_over_another_devices_client_id()
    {
        var victim = await Hub.ConnectDeviceAsync("cam-1");
        var intruder = new MqttClientFactory().CreateMqttClient();
        var result = await intruder.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", Hub.MqttPort)
            .WithClientId("testsite/cam-1")
            .WithCredentials("testsite/light-1", TestRegistry.SecretOf("light-1"))
            .Build());

        Assert.Equal(MqttClientConnectResultCode.ClientIdentifierNotValid, result.ResultCode);
        Assert.True(victim.IsConnected);
        Assert.True((await HubHost.PublishAsync(victim, "rp/testsite/camera/cam-1/telemetry", """{"online":true}""")).IsSuccess);
        await victim.DisconnectAsync();
    }

    [Fact]
    public async Task Publishing_under_another_devices_topic_is_dropped_while_everyone_keeps_working()
    {
        var intruder = await Hub.ConnectDeviceAsync("light-1");
        var intruder311 = await Hub.ConnectDeviceAsync("chg-1", version: MqttProtocolVersion.V311);
        var bystander = await Hub.ConnectDeviceAsync("light-2");

        var foreign = await HubHost.PublishAsync(intruder, "rp/testsite/light/light-2/telemetry", """{"on":true,"lux":1}""");
        var wrongKind = await HubHost.PublishAsync(intruder, "rp/testsite/camera/light-1/telemetry", """{"online":true}""");
        var command = await HubHost.PublishAsync(intruder, "rp/testsite/light/light-1/cmd", """{"type":"reboot"}""");
        await HubHost.PublishAsync(intruder311, "rp/testsite/charger/chg-2/telemetry", """{"circuit":"station","currentA":1}""");

        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, foreign.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, wrongKind.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, command.ReasonCode);

        // Every connection survives, and the offenders' own and others' data still flow.
        Assert.True((await HubHost.PublishAsync(bystander, "rp/testsite/light/light-2/telemetry", """{"on":true,"lux":80}""")).IsSuccess);
        Assert.True((await HubHost.PublishAsync(intruder, "rp/testsite/light/light-1/telemetry", """{"on":true,"lux":60}""")).IsSuccess);
        Assert.True((await HubHost.PublishAsync(intruder311, "rp/testsite/charger/chg-1/telemetry", """{"currentA":1}""")).IsSuccess);
        Assert.True(intruder.IsConnected && intruder311.IsConnected && bystander.IsConnected);

        await Hub.ShippedAsync();
        var lights = await Influx.RowsAsync("SELECT lux, device FROM light");
        Assert.Equal(new[] { ("light-1", 60.0), ("light-2", 80.0) }, lights.Select(r => (r["device"].GetString()!, r["lux"].GetDouble())).Order().ToArray());
        Assert.Equal(0, await Influx.CountAsync("charger", "currentA", "device = 'chg-2'"));
        Assert.Equal(0, await Influx.CountAsync("camera", "online"));

        var rejections = await Hub.GetJsonAsync("/api/devices/testsite/light-1/rejections");
        Assert.Equal(new[] { "cmd_from_device", "foreign_topic", "foreign_topic" }, rejections.EnumerateArray().Select(r => r.GetProperty("reason").GetString()!).Order().ToArray());
        var chargerRejections = await Hub.GetJsonAsync("/api/devices/testsite/chg-1/rejections");
        Assert.Equal("foreign_topic", chargerRejections[0].GetProperty("reason").GetString());
        Assert.Equal(3, await Hub.MetricAsync("rp_hub_rejections_total{reason=\"foreign_topic\"}"));
    }

    [Fact]
    public async Task A_device_may_subscribe_only_to_its_own_cmd_topic()
    {
        var client = await Hub.ConnectDeviceAsync("cam-1");
        var result = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter("rp/testsite/camera/cam-1/cmd", MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, Assert.Single(result.Items).ResultCode);

        foreach (var filter in new[] { "rp/#", "rp/testsite/+/+/telemetry", "rp/testsite/light/light-1/cmd", "$SYS/#" })
        {
            var refused = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter).Build());
            Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, Assert.Single(refused.Items).ResultCode);
        }

        Assert.True(client.IsConnected);
        Assert.Equal(4, await Hub.MetricAsync("rp_hub_subscriptions_refused_total"));
        await client.DisconnectAsync();
    }

    [Fact]
    public async Task Secrets_are_kept_only_as_salted_hashes()
    {
        var kept = await File.ReadAllTextAsync(Path.Combine(Hub.DataDir, "registry.kept.json"));
        Assert.DoesNotContain(TestRegistry.SecretOf("cam-1"), kept, StringComparison.Ordinal);
        Assert.Contains("pbkdf2-sha256$1000$", kept, StringComparison.Ordinal);
        Assert.DoesNotContain("\"secret\"", kept, StringComparison.Ordinal);
    }
}
