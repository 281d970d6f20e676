using System.Net.Http.Json;
using MQTTnet;
using MQTTnet.Formatter;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>Devices publish through the embedded broker; the points are read back from a real influxd.</summary>
public sealed class TelemetryToInfluxTests : HubWithInfluxTest
{
    [Fact]
    public async Task Telemetry_of_each_kind_lands_with_its_tags_and_fields()
    {
        var ts = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var camera = await Hub.ConnectDeviceAsync("cam-1");
        var light = await Hub.ConnectDeviceAsync("light-1", version: MqttProtocolVersion.V311);
        var elevator = await Hub.ConnectDeviceAsync("lift-1");
        var charger = await Hub.ConnectDeviceAsync("chg-1");

        Assert.True((await HubHost.PublishAsync(camera, "rp/testsite/camera/cam-1/telemetry",
            $$"""{"online":true,"motion":true,"persons":3,"ebike":false,"tamper":false,"fps":25.5,"ts":{{ts}},"seq":7}""")).IsSuccess);
        Assert.True((await HubHost.PublishAsync(light, "rp/testsite/light/light-1/telemetry",
            $$"""{"on":true,"lux":42.5,"currentA":0.2,"voltageV":221,"ts":{{ts}}}""")).IsSuccess);
        Assert.True((await HubHost.PublishAsync(elevator, "rp/testsite/elevator/lift-1/telemetry",
            $$"""{"floor":-2,"doorOpen":false,"running":true,"occupied":true,"fault":"E21","speedMps":1.5,"ts":{{ts}}}""")).IsSuccess);
        Assert.True((await HubHost.PublishAsync(charger, "rp/testsite/charger/chg-1/telemetry",
            $$"""{"circuit":"corridor","currentA":2.4,"voltageV":220,"powerW":528,"tempC":31.5,"plugged":false,"smoke":false,"ts":{{ts}}}""")).IsSuccess);

        // QoS 1 is acknowledged only once the point is in InfluxDB, so no polling is needed here.
        await Hub.ShippedAsync();
        var cameraRow = Assert.Single(await Influx.RowsAsync("SELECT * FROM camera"));
        Assert.Equal(ts, cameraRow["time"].GetInt64());
        Assert.Equal("testsite", cameraRow["site"].GetString());
        Assert.Equal("lift-1", cameraRow["zone"].GetString());
        Assert.Equal("cam-1", cameraRow["device"].GetString());
        Assert.True(cameraRow["motion"].GetBoolean());
        Assert.Equal(3, cameraRow["persons"].GetInt64());
        Assert.Equal(25.5, cameraRow["fps"].GetDouble());
        Assert.Equal(7, cameraRow["seq"].GetInt64());

        var lightRow = Assert.Single(await Influx.RowsAsync("SELECT * FROM light"));
        Assert.Equal(TestRegistry.HostileZone, lightRow["zone"].GetString());
        Assert.Equal(42.5, lightRow["lux"].GetDouble());
        Assert.True(lightRow["on"].GetBoolean());

        var elevatorRow = Assert.Single(await Influx.RowsAsync("SELECT * FROM elevator"));
        Assert.Equal(-2, elevatorRow["floor"].GetInt64());
        Assert.Equal("E21", elevatorRow["fault"].GetString());
        Assert.True(elevatorRow["faulted"].GetBoolean());
        Assert.False(elevatorRow["doorOpen"].GetBoolean());

        var chargerRow = Assert.Single(await Influx.RowsAsync("SELECT * FROM charger"));
        Assert.Equal("corridor", chargerRow["circuit"].GetString());
        Assert.Equal(TestRegistry.HostileZone, chargerRow["zone"].GetString());
        Assert.Equal(2.4, chargerRow["currentA"].GetDouble());
        Assert.False(chargerRow["plugged"].GetBoolean());

        // The hostile zone is one tag value, not an injected tag or point.
        var zoneTagged = await Influx.RowsAsync($"SELECT count(\"currentA\") FROM charger WHERE zone = '{TestRegistry.HostileZone.Replace("\\", "\\\\").Replace("'", "\\'")}'");
        Assert.Equal(1, Assert.Single(zoneTagged)["count"].GetInt64());
        var tagKeys = await Influx.RowsAsync("SHOW TAG KEYS FROM charger");
        Assert.Equal(new[] { "circuit", "device", "site", "zone" }, tagKeys.Select(r => r["tagKey"].GetString()!).Order().ToArray());

        foreach (var client in new[] { camera, light, elevator, charger })
        {
            await client.DisconnectAsync();
        }
    }

    [Fact]
    public async Task A_charger_without_circuit_in_its_payload_takes_the_registry_circuit_or_is_refused()
    {
        var withRegistryCircuit = await Hub.ConnectDeviceAsync("chg-1");
        var withoutAny = await Hub.ConnectDeviceAsync("chg-2");

        Assert.True((await HubHost.PublishAsync(withRegistryCircuit, "rp/testsite/charger/chg-1/telemetry", """{"currentA":1.5}""")).IsSuccess);
        var refused = await HubHost.PublishAsync(withoutAny, "rp/testsite/charger/chg-2/telemetry", """{"currentA":1.5}""");

        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, refused.ReasonCode);
        await Hub.ShippedAsync();
        var row = Assert.Single(await Influx.RowsAsync("SELECT * FROM charger"));
        Assert.Equal("corridor", row["circuit"].GetString());
        var rejections = await Hub.GetJsonAsync("/api/devices/testsite/chg-2/rejections");
        Assert.Equal("missing_field", rejections[0].GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Status_and_last_will_give_the_device_state_and_land_as_points()
    {
        var client = await Hub.ConnectDeviceAsync("lift-1");
        await HubHost.PublishAsync(client, "rp/testsite/elevator/lift-1/status", "online", retain: true);
        var device = await Hub.GetJsonAsync("/api/devices/testsite/lift-1");
        Assert.Equal("online", device.GetProperty("status").GetString());

        // Reconnect with a last will, then drop the connection without DISCONNECT: the broker publishes the will.
        client.Dispose();
        var factory = new MqttClientFactory();
        var willing = factory.CreateMqttClient();
        await willing.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", Hub.MqttPort)
            .WithClientId("testsite/lift-1")
            .WithCredentials("testsite/lift-1", TestRegistry.SecretOf("lift-1"))
            .WithWillTopic("rp/testsite/elevator/lift-1/status").WithWillPayload("offline").WithWillRetain()
            .WithWillQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        willing.Dispose();

        await Eventually.BecomesAsync(
            async () => (await Hub.GetJsonAsync("/api/devices/testsite/lift-1")).GetProperty("status").GetString(),
            status => status == "offline", what: "status offline after the last will");
        var statuses = await Eventually.BecomesAsync(
            () => Influx.RowsAsync("SELECT online FROM device_status WHERE device = 'lift-1'"),
            rows => rows.Count == 2, what: "two status points");
        Assert.Equal(new[] { true, false }, statuses.Select(r => r["online"].GetBoolean()).ToArray());
    }

    [Fact]
    public async Task Mqtt_over_websockets_at_slash_mqtt_carries_telemetry()
    {
        var (client, result) = await Hub.TryConnectAsync("testsite/light-2", TestRegistry.SecretOf("light-2"), webSocket: true);
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        Assert.True((await HubHost.PublishAsync(client, "rp/testsite/light/light-2/telemetry", """{"on":false,"lux":3}""")).IsSuccess);
        await Hub.ShippedAsync();
        var row = Assert.Single(await Influx.RowsAsync("SELECT * FROM light WHERE device = 'light-2'"));
        Assert.Equal(3, row["lux"].GetDouble());
        await client.DisconnectAsync();
    }

    [Fact]
    public async Task Health_and_metrics_report_the_broker_influx_and_journal()
    {
        var health = await Hub.GetJsonAsync("/healthz");
        Assert.Equal("Healthy", health.GetProperty("status").GetString());
        var checks = health.GetProperty("checks");
        Assert.Equal("Healthy", checks.GetProperty("broker").GetProperty("status").GetString());
        Assert.Equal("Healthy", checks.GetProperty("influxdb").GetProperty("status").GetString());
        Assert.Equal("Healthy", checks.GetProperty("journal").GetProperty("status").GetString());
        Assert.Equal(0, checks.GetProperty("influxdb").GetProperty("data").GetProperty("lagRecords").GetInt64());
        Assert.True(checks.GetProperty("disk").GetProperty("data").GetProperty("freeBytes").GetInt64() > 0);

        var client = await Hub.ConnectDeviceAsync("light-2");
        await HubHost.PublishAsync(client, "rp/testsite/light/light-2/telemetry", """{"on":true,"lux":50}""");
        await HubHost.PublishAsync(client, "rp/testsite/light/light-2/telemetry", """{"on":"yes"}""");
        Assert.Equal(1, await Hub.MetricAsync("rp_hub_messages_total{kind=\"light\",channel=\"telemetry\"}"));
        Assert.Equal(1, await Hub.MetricAsync("rp_hub_rejections_total{reason=\"wrong_type\"}"));
        await Hub.ShippedAsync();
        Assert.Equal(1, await Hub.MetricAsync("rp_hub_points_written_total"));
        await client.DisconnectAsync();
    }

    [Fact]
    public async Task The_openapi_document_describes_the_device_endpoints()
    {
        var document = await Hub.GetJsonAsync("/openapi/v1.json");
        Assert.True(document.GetProperty("paths").TryGetProperty("/api/devices/{site}/{id}/rejections", out _));
    }

    [Fact]
    public async Task A_device_clock_far_off_is_replaced_by_the_receive_time_and_counted()
    {
        var client = await Hub.ConnectDeviceAsync("light-2");
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.True((await HubHost.PublishAsync(client, "rp/testsite/light/light-2/telemetry", """{"on":true,"lux":9,"ts":86400000}""")).IsSuccess);
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        await Hub.ShippedAsync();
        var row = Assert.Single(await Influx.RowsAsync("SELECT lux FROM light"));
        Assert.InRange(row["time"].GetInt64(), before, after);
        Assert.Equal(1, await Hub.MetricAsync("rp_hub_timestamps_corrected_total"));
        await client.DisconnectAsync();
    }

    [Fact]
    public async Task Events_land_in_the_events_measurement_with_their_type()
    {
        var camera = await Hub.ConnectDeviceAsync("cam-1");
        var elevator = await Hub.ConnectDeviceAsync("lift-1");
        Assert.True((await HubHost.PublishAsync(camera, "rp/testsite/camera/cam-1/event", """{"type":"ebike_detected","confidence":0.93,"track":"t-17"}""")).IsSuccess);
        Assert.True((await HubHost.PublishAsync(elevator, "rp/testsite/elevator/lift-1/event", """{"type":"alarm_button"}""")).IsSuccess);

        await Hub.ShippedAsync();
        var rows = await Influx.RowsAsync("SELECT * FROM events");
        Assert.Equal(2, rows.Count);
        var detection = rows.Single(r => r["type"].GetString() == "ebike_detected");
        Assert.Equal("camera", detection["kind"].GetString());
        Assert.Equal("lift-1", detection["zone"].GetString());
        Assert.Equal(0.93, detection["confidence"].GetDouble());
        Assert.Equal("t-17", detection["track"].GetString());
        var alarm = rows.Single(r => r["type"].GetString() == "alarm_button");
        Assert.Equal("elevator", alarm["kind"].GetString());
        Assert.Equal(1, alarm["count"].GetDouble());
        await camera.DisconnectAsync();
        await elevator.DisconnectAsync();
    }

    [Fact]
    public async Task Lost_and_repeated_messages_show_in_the_devices_seq_counts()
    {
        var client = await Hub.ConnectDeviceAsync("light-2");
        foreach (var seq in new[] { 1, 2, 5, 5, 6 })
        {
            await HubHost.PublishAsync(client, "rp/testsite/light/light-2/telemetry", $$"""{"on":true,"seq":{{seq}}}""");
        }

        var sequence = (await Hub.GetJsonAsync("/api/devices/testsite/light-2")).GetProperty("sequence");
        Assert.Equal(2, sequence.GetProperty("missing").GetInt64());
        Assert.Equal(1, sequence.GetProperty("duplicates").GetInt64());
        Assert.Equal(1, await Hub.MetricAsync("rp_hub_seq_gaps_total"));
        await client.DisconnectAsync();
    }

    [Fact]
    public async Task Alert_transitions_are_written_to_the_alerts_measurement()
    {
        var charger = await Hub.ConnectDeviceAsync("chg-2");
        Assert.True((await HubHost.PublishAsync(charger, "rp/testsite/charger/chg-2/telemetry", """{"circuit":"station","tempC":85}""")).IsSuccess);
        var alert = await Eventually.BecomesAsync(() => Hub.GetJsonAsync("/api/alerts?state=open"), a => a.GetArrayLength() == 1, what: "overheat alert");
        var id = alert[0].GetProperty("id").GetString();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await Hub.Http.PostAsJsonAsync($"/api/alerts/{id}/ack", new { note = "seen" })).StatusCode);

        var rows = await Eventually.BecomesAsync(() => Influx.RowsAsync("SELECT * FROM alerts"), r => r.Count == 2, what: "two alert transitions");
        Assert.Equal(new[] { "acknowledged", "raised" }, rows.Select(r => r["action"].GetString()!).Order());
        Assert.All(rows, r =>
        {
            Assert.Equal("charger_overheat", r["type"].GetString());
            Assert.Equal("critical", r["severity"].GetString());
            Assert.Equal("chg-2", r["device"].GetString());
            Assert.Equal(id, r["id"].GetString());
        });
        await charger.DisconnectAsync();
    }
}
