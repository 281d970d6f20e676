using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MQTTnet;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>New alerts go to the on-duty staff of their zone, else of their site; the desk reassigns; duty is the desk's or the roster's.</summary>
public sealed class DispatchTests : IDisposable
{
    private readonly string _workDir = Directory.CreateTempSubdirectory("rp-test-").FullName;

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    [Fact]
    public async Task A_new_alert_is_assigned_to_the_on_duty_worker_of_its_zone_then_of_its_site_and_the_desk_can_reassign_it()
    {
        var dataDir = Path.Combine(_workDir, "data");
        var settings = new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(_workDir),
            ["Influx:Version"] = "none",
            ["Field:Roster:wang:0"] = "daily 00:00-24:00",
            ["Field:Roster:li:0"] = "daily 00:00-24:00",
            ["Field:Roster:watcher:0"] = "daily 00:00-24:00",
        };
        string first, second;
        await using (var hub = await HubHost.StartAsync(settings, dataDir))
        {
            foreach (var (name, role) in new[] { ("wang", "operator"), ("li", "operator"), ("watcher", "viewer") })
            {
                Assert.Equal(HttpStatusCode.Created, (await hub.Http.PostAsJsonAsync("/api/staff", new { username = name, displayName = name, password = $"{name}-password", role, sites = new[] { TestRegistry.Site } })).StatusCode);
            }

            await PatchAsync(hub, "wang", new { zones = new[] { $"{TestRegistry.Site}/grid-2" } });
            await PatchAsync(hub, "li", new { zones = new[] { $"{TestRegistry.Site}/lift-1" } });
            await PatchAsync(hub, "watcher", new { zones = new[] { $"{TestRegistry.Site}/{TestRegistry.HostileZone}" } });
            var badZone = await hub.Http.PatchAsJsonAsync("/api/staff/li", new { zones = new[] { "testsite/grid-9" } });
            Assert.Equal(HttpStatusCode.BadRequest, badZone.StatusCode);
            Assert.Contains("'testsite/grid-9' is not site/zone of a zone in the registry", await badZone.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            // grid-2's charger: wang's zone, and wang is on duty by the roster.
            var charger = await hub.ConnectDeviceAsync("chg-2");
            await HubHost.PublishAsync(charger, "rp/testsite/charger/chg-2/telemetry", """{"circuit":"station","tempC":82}""");
            var raised = await Eventually.BecomesAsync(() => hub.GetJsonAsync("/api/alerts?state=open"), a => a.GetArrayLength() == 1, what: "overheat alert");
            first = raised[0].GetProperty("id").GetString()!;
            Assert.Equal("wang", raised[0].GetProperty("assignedTo").GetString());
            var history = (await hub.GetJsonAsync($"/api/alerts/{first}")).GetProperty("history").EnumerateArray().ToArray();
            Assert.Equal(("assigned", "system", "to wang"), (history[1].GetProperty("action").GetString(), history[1].GetProperty("by").GetString(), history[1].GetProperty("note").GetString()));

            // The desk takes wang off duty; the corridor charger's zone has only a viewer: the site's on-duty operator gets it.
            await PatchAsync(hub, "wang", new { duty = "off" });
            var corridor = await hub.ConnectDeviceAsync("chg-1");
            await HubHost.PublishAsync(corridor, "rp/testsite/charger/chg-1/telemetry", """{"circuit":"corridor","tempC":85}""");
            var both = await Eventually.BecomesAsync(() => hub.GetJsonAsync("/api/alerts?state=open"), a => a.GetArrayLength() == 2, what: "second alert");
            var alert = both.EnumerateArray().Single(a => a.GetProperty("deviceId").GetString() == "chg-1");
            second = alert.GetProperty("id").GetString()!;
            Assert.Equal("li", alert.GetProperty("assignedTo").GetString());

            var staff = (await hub.GetJsonAsync($"/api/grid-staff?site={TestRegistry.Site}")).EnumerateArray().ToDictionary(w => w.GetProperty("username").GetString()!);
            Assert.DoesNotContain("watcher", staff.Keys);
            Assert.Equal(("off", false, 1), (staff["wang"].GetProperty("duty").GetString(), staff["wang"].GetProperty("onDutyNow").GetBoolean(), staff["wang"].GetProperty("openAssigned").GetInt32()));
            Assert.Equal(("roster", true, 1), (staff["li"].GetProperty("duty").GetString(), staff["li"].GetProperty("onDutyNow").GetBoolean(), staff["li"].GetProperty("openAssigned").GetInt32()));
            Assert.Equal(["grid-2"], staff["wang"].GetProperty("zones").EnumerateArray().Select(z => z.GetString()));

            // The desk reassigns; only someone who may act on the site can take it.
            var reassigned = await hub.Http.PostAsJsonAsync($"/api/alerts/{second}/assign", new { to = "WANG" });
            Assert.Equal(HttpStatusCode.OK, reassigned.StatusCode);
            Assert.Equal("wang", (await reassigned.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("assignedTo").GetString());
            foreach (var nobody in new[] { "watcher", "nobody", " " })
            {
                var refused = await hub.Http.PostAsJsonAsync($"/api/alerts/{second}/assign", new { to = nobody });
                Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
                Assert.Contains("\"to\"", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            // li goes off duty from the phone: with wang off too, nobody who may act is on duty and a new alert stays with the desk.
            using var li = new HttpClient { BaseAddress = hub.HttpUrl };
            li.DefaultRequestHeaders.Authorization = new("Bearer", await hub.TokenAsync("li", "li-password"));
            var off = await li.PostAsJsonAsync("/api/duty", new { duty = "off" });
            Assert.Equal("off", (await off.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("duty").GetString());
            Assert.Equal(HttpStatusCode.BadRequest, (await li.PostAsJsonAsync("/api/duty", new { duty = "maybe" })).StatusCode);
            var lift = await hub.ConnectDeviceAsync("lift-1");
            await HubHost.PublishAsync(lift, "rp/testsite/elevator/lift-1/event", """{"type":"alarm_button"}""");
            var three = await Eventually.BecomesAsync(() => hub.GetJsonAsync("/api/alerts?state=open"), a => a.GetArrayLength() == 3, what: "third alert");
            Assert.Equal(JsonValueKind.Null, three.EnumerateArray().Single(a => a.GetProperty("deviceId").GetString() == "lift-1").GetProperty("assignedTo").ValueKind);
            await charger.DisconnectAsync();
            await corridor.DisconnectAsync();
            await lift.DisconnectAsync();
        }

        // Assignments and duty survive a restart.
        await using var restarted = await HubHost.StartAsync(settings, dataDir);
        Assert.Equal("wang", (await restarted.GetJsonAsync($"/api/alerts/{first}")).GetProperty("alert").GetProperty("assignedTo").GetString());
        Assert.Equal("wang", (await restarted.GetJsonAsync($"/api/alerts/{second}")).GetProperty("alert").GetProperty("assignedTo").GetString());
        var after = (await restarted.GetJsonAsync($"/api/grid-staff?site={TestRegistry.Site}")).EnumerateArray().ToDictionary(w => w.GetProperty("username").GetString()!);
        Assert.Equal(("off", "off"), (after["wang"].GetProperty("duty").GetString(), after["li"].GetProperty("duty").GetString()));
    }

    [Fact]
    public async Task A_roster_entry_that_is_not_understood_stops_the_hub_at_start_naming_the_key()
    {
        var settings = new Dictionary<string, string?> { ["Hub:Registry"] = TestRegistry.Write(_workDir), ["Influx:Version"] = "none", ["Field:Roster:wang:0"] = "weekdays 8-6" };
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => HubHost.StartAsync(settings));
        Assert.Contains("Field:Roster:wang: 'weekdays 8-6' is not a shift like", refused.Message, StringComparison.Ordinal);
    }

    private static async Task PatchAsync(HubHost hub, string username, object change)
    {
        var response = await hub.Http.PatchAsJsonAsync($"/api/staff/{username}", change);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
