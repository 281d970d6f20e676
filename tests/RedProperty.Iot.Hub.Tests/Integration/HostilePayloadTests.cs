using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>
/// A table of hostile payloads and topics: each is refused with its reason, the sender stays connected,
/// and another device's data, sent in between, lands intact.
/// </summary>
public sealed class HostilePayloadTests : HubWithInfluxTest
{
    public static TheoryData<string, string, string> Cases => new()
    {
        { "rp/testsite/light/light-1/telemetry", "{\"on\":true", "malformed_json" },
        { "rp/testsite/light/light-1/telemetry", "not json", "malformed_json" },
        { "rp/testsite/light/light-1/telemetry", "[1,2]", "not_an_object" },
        { "rp/testsite/light/light-1/telemetry", "{\"on\":\"yes\"}", "wrong_type" },
        { "rp/testsite/light/light-1/telemetry", "{\"lux\":NaN}", "malformed_json" },
        { "rp/testsite/light/light-1/telemetry", "{\"lux\":Infinity}", "malformed_json" },
        { "rp/testsite/light/light-1/telemetry", "{\"lux\":1e999}", "not_finite" },
        { "rp/testsite/light/light-1/telemetry", "{\"lux\":-5}", "out_of_range" },
        { "rp/testsite/light/light-1/telemetry", "{\"on\":true,\"on\":false}", "duplicate_field" },
        { "rp/testsite/light/light-1/telemetry", "{\"ts\":\"yesterday\",\"on\":true}", "wrong_type" },
        { "rp/testsite/light/light-1/telemetry", "{\"seq\":-1,\"on\":true}", "out_of_range" },
        { "rp/testsite/light/light-1/telemetry", "{\"colour\":\"red\"}", "no_known_field" },
        { "rp/testsite/light/light-1/telemetry", "{\"on\":true} {\"on\":false}", "malformed_json" },
        { "rp/testsite/light/light-1/telemetry", "{\"on\":true /* c */}", "malformed_json" },
        { "rp/testsite/light/light-1/telemetry", "{\"on\":true," + new string(' ', 17 * 1024) + "\"lux\":1}", "payload_too_large" },
        { "rp/testsite/light/light-1/telemetry", "", "empty_payload" },
        { "rp/testsite/light/light-1/event", "{\"type\":\"x\\u0000y\"}", "control_character" },
        { "rp/testsite/light/light-1/event", "{\"type\":\"bad\\ntype\"}", "control_character" },
        { "rp/testsite/light/light-1/event", "{\"type\":\"Rm -rf\"}", "invalid_value" },
        { "rp/testsite/light/light-1/event", "{\"confidence\":0.9}", "missing_field" },
        { "rp/testsite/light/light-1/status", "maybe", "invalid_status" },
        { "rp/testsite/light/light-1/alarms", "{}", "unknown_channel" },
        { "rp/testsite/lamp/light-1/telemetry", "{\"on\":true}", "unknown_kind" },
        { "rp/testsite/light/light-1/telemetry/extra", "{\"on\":true}", "malformed_topic" },
        { "rp/TestSite/light/light-1/telemetry", "{\"on\":true}", "invalid_site" },
        { "rp/testsite/light/light 1/telemetry", "{\"on\":true}", "invalid_device_id" },
        { "rp/testsite/light/light-2/telemetry", "{\"on\":true}", "foreign_topic" },
    };

    [Fact]
    public async Task Every_hostile_message_is_refused_with_its_reason_and_harms_no_one()
    {
        var offender = await Hub.ConnectDeviceAsync("light-1");
        var neighbour = await Hub.ConnectDeviceAsync("light-2");
        var expected = new List<string>();
        var seq = 0;
        foreach (var (topic, payload, reason) in Cases.Select(c => ((string)c[0], (string)c[1], (string)c[2])))
        {
            var result = await HubHost.PublishAsync(offender, topic, payload);
            Assert.False(result.IsSuccess, $"{reason}: {topic} was accepted");
            expected.Add(reason);

            Assert.True(offender.IsConnected, $"{reason}: the offender was disconnected");
            var good = await HubHost.PublishAsync(neighbour, "rp/testsite/light/light-2/telemetry", $$"""{"on":true,"lux":{{++seq}},"seq":{{seq}}}""");
            Assert.True(good.IsSuccess, $"{reason}: the neighbour's message failed");
        }

        var rejections = await Hub.GetJsonAsync("/api/devices/testsite/light-1/rejections");
        var reasons = rejections.EnumerateArray().Select(r => r.GetProperty("reason").GetString()!).Reverse().ToArray();
        Assert.Equal(expected, reasons);
        Assert.All(rejections.EnumerateArray(), r => Assert.False(string.IsNullOrWhiteSpace(r.GetProperty("detail").GetString())));

        var counts = (await Hub.GetJsonAsync("/api/devices/testsite/light-1")).GetProperty("rejections");
        Assert.Equal(expected.Count(r => r == "malformed_json"), counts.GetProperty("malformed_json").GetInt64());

        // The offender itself can still publish, and nothing of its garbage reached InfluxDB.
        Assert.True((await HubHost.PublishAsync(offender, "rp/testsite/light/light-1/telemetry", """{"on":true,"lux":7}""")).IsSuccess);
        await Hub.ShippedAsync();
        Assert.Equal(1, await Influx.CountAsync("light", "lux", "device = 'light-1'"));
        var neighbourRows = await Influx.RowsAsync("SELECT lux, seq FROM light WHERE device = 'light-2'");
        Assert.Equal(Enumerable.Range(1, Cases.Count()).Select(i => (double)i), neighbourRows.Select(r => r["lux"].GetDouble()).Order());
        Assert.Equal(0, await Influx.CountAsync("events", "count"));
    }

    [Fact]
    public async Task The_rejection_log_keeps_the_last_hundred_newest_first()
    {
        var offender = await Hub.ConnectDeviceAsync("light-1");
        for (var i = 0; i < 120; i++)
        {
            await HubHost.PublishAsync(offender, "rp/testsite/light/light-1/telemetry", $$"""{"lux":"{{i}}"}""");
        }

        var rejections = await Hub.GetJsonAsync("/api/devices/testsite/light-1/rejections");
        Assert.Equal(100, rejections.GetArrayLength());
        Assert.Equal("{\"lux\":\"119\"}", rejections[0].GetProperty("payload").GetString());
        Assert.Equal("{\"lux\":\"20\"}", rejections[99].GetProperty("payload").GetString());
        var counts = (await Hub.GetJsonAsync("/api/devices/testsite/light-1")).GetProperty("rejections");
        Assert.Equal(120, counts.GetProperty("wrong_type").GetInt64());
    }

    [Fact]
    public async Task Rejections_of_an_unknown_device_are_a_problem_404()
    {
        var response = await Hub.Http.GetAsync("/api/devices/testsite/ghost/rejections");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
