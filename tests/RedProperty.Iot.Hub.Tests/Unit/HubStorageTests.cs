using Microsoft.Extensions.Logging.Abstractions;
using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.Hub.Storage;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Unit;

/// <summary>The hub's stores on a real SQLite file.</summary>
public sealed class HubStorageTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rp-store-").FullName;
    private HubDatabase _database = null!;
    private AlertStore _alerts = null!;
    private ChangeLogStore _changes = null!;
    private MonthlyReportStore _reports = null!;

    public Task InitializeAsync()
    {
        _database = HubDatabase.Open(Path.Combine(_directory, "hub.db"), NullLogger.Instance);
        (_alerts, _changes, _reports) = (new AlertStore(_database), new ChangeLogStore(_database), new MonthlyReportStore(_database));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private static Alert Raise(string device, DateTimeOffset at) =>
        Alert.Raise(Guid.NewGuid(), new AlertKey("s1", device, AlertType.CameraTamper), "z1", DeviceKind.Camera, AlertSeverity.Major, "lens covered", at);

    [Fact]
    public async Task An_alert_comes_back_exactly_as_saved_with_its_trail()
    {
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(1_764_400_000_000);
        var alert = Raise("cam-1", t0);
        alert.Acknowledge("王芳", t0.AddMinutes(2), "looking");
        alert.Escalate(AlertEscalation.NotResolved, t0.AddMinutes(30));
        var seq = await _database.SaveAlertAsync(alert, "alertUpdated", s => $"{{\"seq\":{s}}}");

        var (loaded, loadedSeq) = (await _alerts.GetAsync(alert.Id))!.Value;
        Assert.Equal(seq, loadedSeq);
        Assert.Equal(alert.ToSnapshot() with { History = [], Escalations = [] }, loaded.ToSnapshot() with { History = [], Escalations = [] });
        Assert.Equal(alert.History, loaded.History);
        Assert.Equal(alert.Escalations, loaded.Escalations);
        var change = Assert.Single(await _changes.ChangesSinceAsync(0, ["s1"], 10));
        Assert.Equal($"{{\"seq\":{seq}}}", change.Payload);
    }

    [Fact]
    public async Task An_alerts_facts_and_those_of_its_trail_are_stored()
    {
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(1_764_400_000_000);
        var raised = AlertFacts.CircuitDraw(ChargerCircuit.Stairwell, 3.456, TimeSpan.FromSeconds(75));
        var alert = Alert.Raise(Guid.NewGuid(), new AlertKey("s1", "chg-1", AlertType.FlyingWireCharging), "z1", DeviceKind.Charger, AlertSeverity.Major, raised.Message, t0, raised);
        var stored = await SaveAndLoadAsync(alert);
        Assert.Equal(raised, stored.Fact);

        var quiet = AlertFacts.CurrentQuiet(0.2, 60);
        alert.Clear(t0.AddMinutes(5), quiet.Message, quiet);
        alert.Reopen(t0.AddMinutes(6), "not a fact", EscalationPolicy.ReopenWindow);
        stored = await SaveAndLoadAsync(alert);
        Assert.Null(stored.Fact);
        Assert.Equal([raised, quiet, null], stored.History.Select(h => h.Fact));
        Assert.Equal(alert.History, stored.History);
        Assert.Equal("stairwell circuit drawing 3.46 A for 75 s", stored.History[0].Note);

        async Task<Alert> SaveAndLoadAsync(Alert a)
        {
            await _database.SaveAlertAsync(a, "alertUpdated", _ => "{}");
            return (await _alerts.GetAsync(a.Id))!.Value.Alert;
        }
    }

    [Fact]
    public async Task Two_open_alerts_for_the_same_device_and_type_are_refused_by_the_database()
    {
        var now = DateTimeOffset.UtcNow;
        await _database.SaveAlertAsync(Raise("cam-1", now), "alertRaised", _ => "{}");
        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => _database.SaveAlertAsync(Raise("cam-1", now), "alertRaised", _ => "{}"));
        Assert.Single(await _changes.ChangesSinceAsync(0, ["s1"], 10));
    }

    [Fact]
    public async Task Old_changes_are_pruned_but_the_newest_are_kept()
    {
        for (var i = 0; i < 5; i++)
        {
            await _database.AppendChangeAsync("s1", "deviceStatusChanged", s => "{}");
        }

        Assert.Equal(3, await _changes.PruneChangesAsync(DateTimeOffset.UtcNow.AddMinutes(1), keepAtLeast: 2));
        Assert.Equal(new long[] { 4, 5 }, (await _changes.ChangesSinceAsync(0, ["s1"], 10)).Select(c => c.Seq));
        Assert.Equal(0, await _changes.PruneChangesAsync(DateTimeOffset.UtcNow.AddMinutes(-1), keepAtLeast: 0));
    }

    [Fact]
    public async Task A_database_from_a_newer_hub_is_refused()
    {
        var path = Path.Combine(_directory, "newer.db");
        await using (var database = HubDatabase.Open(path, NullLogger.Instance))
        {
        }

        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 99;";
            await command.ExecuteNonQueryAsync();
        }

        var error = Assert.Throws<InvalidOperationException>(() => HubDatabase.Open(path, NullLogger.Instance));
        Assert.Contains("schema version 99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_monthly_report_is_stored_once_and_the_database_refuses_to_change_or_delete_it()
    {
        var at = new DateTimeOffset(2026, 11, 1, 0, 10, 0, TimeSpan.FromHours(8));
        Assert.True(await _reports.StoreMonthlyReportAsync("s1", "2026-10", at, """{"score":91.5}""", "aa"));
        Assert.False(await _reports.StoreMonthlyReportAsync("s1", "2026-10", at.AddHours(1), """{"score":12}""", "bb"));
        Assert.Single(await _reports.MonthlyReportsAsync(["s1"], unpublishedOnly: true));

        await _reports.MarkMonthlyReportPublishedAsync("s1", "2026-10", at.AddSeconds(1));
        await _reports.MarkMonthlyReportPublishedAsync("s1", "2026-10", at.AddDays(3));
        var stored = (await _reports.MonthlyReportAsync("s1", "2026-10"))!;
        Assert.Equal("""{"score":91.5}""", stored.Payload);
        Assert.Equal(at.AddSeconds(1), stored.PublishedAt);
        Assert.Empty(await _reports.MonthlyReportsAsync(["s1"], unpublishedOnly: true));
        Assert.Empty(await _reports.MonthlyReportsAsync(["s2"]));

        // Even SQL written by hand cannot change or drop it.
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_directory, "hub.db")};Pooling=False");
        await connection.OpenAsync();
        foreach (var sql in new[] { "UPDATE monthly_reports SET payload = '{}'", "UPDATE monthly_reports SET sha256 = 'cc'", "DELETE FROM monthly_reports" })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            var refused = await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => command.ExecuteNonQueryAsync());
            Assert.Contains("monthly reports are immutable", refused.Message);
        }

        Assert.Equal("""{"score":91.5}""", (await _reports.MonthlyReportAsync("s1", "2026-10"))!.Payload);
    }

    [Fact]
    public async Task Records_begin_with_the_oldest_alert_or_the_first_start_and_never_move()
    {
        var first = DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000);
        Assert.Equal(first, await _reports.RecordsSinceAsync(first));
        await _database.SaveAlertAsync(Raise("cam-1", first.AddDays(-40)), "alertRaised", _ => "{}");
        Assert.Equal(first, await _reports.RecordsSinceAsync(first.AddDays(10)));
    }
}
