using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MQTTnet;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>The field steps over REST: on the way, arrived (confirmed by the desk), stored across a restart.</summary>
public sealed class AlertFieldStepApiTests : IDisposable
{
    private readonly string _workDir = Directory.CreateTempSubdirectory("rp-test-").FullName;

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    [Fact]
    public async Task A_worker_sets_out_the_desk_confirms_the_arrival_and_both_survive_a_restart()
    {
        var dataDir = Path.Combine(_workDir, "data");
        var settings = new Dictionary<string, string?> { ["Hub:Registry"] = TestRegistry.Write(_workDir), ["Influx:Version"] = "none" };
        string id;
        await using (var hub = await HubHost.StartAsync(settings, dataDir))
        {
            var charger = await hub.ConnectDeviceAsync("chg-2");
            await HubHost.PublishAsync(charger, "rp/testsite/charger/chg-2/telemetry", """{"circuit":"station","tempC":82}""");
            var raised = await Eventually.BecomesAsync(() => hub.GetJsonAsync("/api/alerts?state=open"), a => a.GetArrayLength() == 1, what: "overheat alert");
            id = raised[0].GetProperty("id").GetString()!;
            Assert.Equal(JsonValueKind.Null, raised[0].GetProperty("arrivedAt").ValueKind);

            var setOut = await ReadAlertAsync(await hub.Http.PostAsync($"/api/alerts/{id}/on-the-way", null), HttpStatusCode.OK);
            Assert.Equal(HubHost.AdminUser, setOut.GetProperty("onTheWayBy").GetString());
            Assert.Equal("acknowledged", setOut.GetProperty("state").GetString());
            Assert.Equal(HubHost.AdminUser, setOut.GetProperty("acknowledgedBy").GetString());

            // A retried request (a phone on a weak connection) changes nothing, not even the change number.
            var again = await ReadAlertAsync(await hub.Http.PostAsync($"/api/alerts/{id}/on-the-way", null), HttpStatusCode.OK);
            Assert.Equal(setOut.GetProperty("onTheWayAt").GetDateTimeOffset(), again.GetProperty("onTheWayAt").GetDateTimeOffset());
            Assert.Equal(setOut.GetProperty("seq").GetInt64(), again.GetProperty("seq").GetInt64());

            await AssertInvalidAsync(await hub.Http.PostAsJsonAsync($"/api/alerts/{id}/arrive", new { place = "forged" }), "place");
            await AssertInvalidAsync(await hub.Http.PostAsJsonAsync($"/api/alerts/{id}/arrive", new { reason = "  " }), "reason");

            var arrived = await ReadAlertAsync(await hub.Http.PostAsJsonAsync($"/api/alerts/{id}/arrive", new { reason = "王芳 called from the car park" }), HttpStatusCode.OK);
            Assert.Equal((HubHost.AdminUser, "desk"), (arrived.GetProperty("arrivedBy").GetString(), arrived.GetProperty("arrivalProof").GetString()));

            var second = await hub.Http.PostAsJsonAsync($"/api/alerts/{id}/arrive", new { reason = "again" });
            Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
            Assert.Contains("arrived already", await second.Content.ReadAsStringAsync());
            await charger.DisconnectAsync();
        }

        await using var restarted = await HubHost.StartAsync(settings, dataDir);
        var detail = await restarted.GetJsonAsync($"/api/alerts/{id}");
        var alert = detail.GetProperty("alert");
        Assert.Equal((HubHost.AdminUser, "desk"), (alert.GetProperty("arrivedBy").GetString(), alert.GetProperty("arrivalProof").GetString()));
        Assert.Equal(JsonValueKind.String, alert.GetProperty("onTheWayAt").ValueKind);
        var history = detail.GetProperty("history").EnumerateArray().ToArray();
        Assert.Equal(["raised", "acknowledged", "on_the_way", "arrived"], history.Select(h => h.GetProperty("action").GetString()));
        Assert.Equal("desk: 王芳 called from the car park", history[^1].GetProperty("note").GetString());

        // Still once per activation after the restart.
        Assert.Equal(HttpStatusCode.Conflict, (await restarted.Http.PostAsJsonAsync($"/api/alerts/{id}/arrive", new { reason = "again" })).StatusCode);
    }

    private static async Task<JsonElement> ReadAlertAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    private static async Task AssertInvalidAsync(HttpResponseMessage response, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body}");
        Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("errors").TryGetProperty(field, out _), body);
    }
}
