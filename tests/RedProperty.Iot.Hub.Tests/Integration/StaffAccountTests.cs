using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Data.Sqlite;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>
/// Staff accounts against the real hub: who may grant what, managing accounts, and that a changed or
/// disabled account loses its bearer tokens, cookies and desk connections.
/// </summary>
public sealed class StaffAccountTests : IAsyncLifetime
{
    private string _workDir = null!;
    private HubHost? _hub;

    private HubHost Hub => _hub ?? throw new InvalidOperationException("start the hub first");

    public Task InitializeAsync()
    {
        _workDir = Directory.CreateTempSubdirectory("rp-staff-").FullName;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_hub is not null)
        {
            await _hub.DisposeAsync();
        }

        Directory.Delete(_workDir, recursive: true);
    }

    private async Task StartAsync(Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(_workDir),
            ["Influx:Version"] = "none",
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        _hub = await HubHost.StartAsync(settings);
    }

    private static Task<HttpResponseMessage> CreateAsync(HttpClient as_, string username, string role, string[] sites) =>
        as_.PostAsJsonAsync("/api/staff", new { username, displayName = username, password = $"{username}-password", role, sites });

    private async Task CreateAsAdminAsync(string username, string role, params string[] sites) =>
        Assert.Equal(HttpStatusCode.Created, (await CreateAsync(Hub.Http, username, role, sites)).StatusCode);

    private HttpClient Bearer(string token)
    {
        var http = new HttpClient { BaseAddress = Hub.HttpUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private async Task<HttpClient> SignedInAsync(string username) => Bearer(await Hub.TokenAsync(username, $"{username}-password"));

    private static Task<HttpResponseMessage> PatchAsync(HttpClient as_, string username, object change) =>
        as_.PatchAsJsonAsync($"/api/staff/{username}", change);

    private async Task<HttpStatusCode> LoginStatusAsync(string username, string password)
    {
        using var anonymous = new HttpClient { BaseAddress = Hub.HttpUrl };
        return (await anonymous.PostAsJsonAsync("/api/auth/token", new { username, password })).StatusCode;
    }

    [Fact]
    public async Task A_site_supervisor_cannot_grant_all_sites_other_sites_or_unknown_sites()
    {
        await StartAsync();
        await CreateAsAdminAsync("probe-boss", "supervisor", TestRegistry.Site);
        using var boss = await SignedInAsync("probe-boss");

        Assert.Equal(HttpStatusCode.Forbidden, (await CreateAsync(boss, "sneaky-all", "operator", ["*"])).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await CreateAsync(boss, "sneaky-other", "operator", [TestRegistry.OtherSite])).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await CreateAsync(boss, "sneaky-both", "viewer", [TestRegistry.Site, TestRegistry.OtherSite])).StatusCode);
        foreach (var name in new[] { "sneaky-all", "sneaky-other", "sneaky-both" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await LoginStatusAsync(name, $"{name}-password"));
        }

        // Sites the registry does not know are a validation problem, whoever asks.
        foreach (var as_ in new[] { boss, Hub.Http })
        {
            var unknown = await CreateAsync(as_, "typo", "viewer", ["testsiet"]);
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
            var problem = await unknown.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(problem.GetProperty("errors").TryGetProperty("sites", out _), problem.ToString());
        }

        // Up to its own role, on its own site: allowed.
        Assert.Equal(HttpStatusCode.Created, (await CreateAsync(boss, "deputy", "supervisor", [TestRegistry.Site])).StatusCode);
        using var deputy = await SignedInAsync("deputy");
        var me = await deputy.GetFromJsonAsync<JsonElement>("/api/auth/me");
        Assert.Equal([TestRegistry.Site], me.GetProperty("sites").EnumerateArray().Select(s => s.GetString()!).ToArray());

        // Operators and viewers grant nothing.
        await CreateAsAdminAsync("op", "operator", TestRegistry.Site);
        using var op = await SignedInAsync("op");
        Assert.Equal(HttpStatusCode.Forbidden, (await CreateAsync(op, "op-friend", "viewer", [TestRegistry.Site])).StatusCode);
    }

    [Fact]
    public async Task A_site_supervisor_sees_and_changes_only_accounts_within_its_sites()
    {
        await StartAsync();
        await CreateAsAdminAsync("boss", "supervisor", TestRegistry.Site);
        await CreateAsAdminAsync("op", "operator", TestRegistry.Site);
        await CreateAsAdminAsync("other", "operator", TestRegistry.OtherSite);
        await CreateAsAdminAsync("both", "viewer", TestRegistry.Site, TestRegistry.OtherSite);
        using var boss = await SignedInAsync("boss");

        var listed = (await boss.GetFromJsonAsync<JsonElement[]>("/api/staff"))!.Select(a => a.GetProperty("username").GetString()!).Order().ToArray();
        Assert.Equal(["boss", "op"], listed);
        var all = (await Hub.Http.GetFromJsonAsync<JsonElement[]>("/api/staff"))!.Select(a => a.GetProperty("username").GetString()!).Order().ToArray();
        Assert.Equal(["admin", "boss", "both", "op", "other"], all);

        Assert.Equal(HttpStatusCode.Forbidden, (await PatchAsync(boss, HubHost.AdminUser, new { disabled = true })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await boss.PostAsJsonAsync($"/api/staff/{HubHost.AdminUser}/password", new { password = "taken-over-admin" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PatchAsync(boss, "other", new { disabled = true })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PatchAsync(boss, "both", new { role = "operator" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PatchAsync(boss, "op", new { sites = new[] { "*" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PatchAsync(boss, "op", new { sites = new[] { TestRegistry.OtherSite } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PatchAsync(boss, "op", new { sites = new[] { "nowhere" } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, await LoginStatusAsync(HubHost.AdminUser, HubHost.AdminPassword));
        Assert.Equal(HttpStatusCode.OK, await LoginStatusAsync("other", "other-password"));

        var changed = await PatchAsync(boss, "op", new { role = "viewer" });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal("viewer", (await changed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("role").GetString());

        using var op = await SignedInAsync("op");
        Assert.Equal(HttpStatusCode.Forbidden, (await PatchAsync(op, "op", new { role = "supervisor" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await op.GetAsync("/api/staff")).StatusCode);
    }

    [Fact]
    public async Task Own_privileges_stay_put_and_the_last_all_sites_supervisor_is_kept()
    {
        await StartAsync();
        // Nobody changes their own role, sites or access: another supervisor must.
        Assert.Equal(HttpStatusCode.Forbidden, (await PatchAsync(Hub.Http, HubHost.AdminUser, new { disabled = true })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PatchAsync(Hub.Http, HubHost.AdminUser, new { role = "operator" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PatchAsync(Hub.Http, HubHost.AdminUser, new { sites = new[] { TestRegistry.Site } })).StatusCode);

        // Two all-sites supervisors disabling each other at the same moment: one of them stays.
        await CreateAsAdminAsync("admin2", "supervisor", "*");
        using var admin2 = await SignedInAsync("admin2");
        var results = await Task.WhenAll(
            PatchAsync(Hub.Http, "admin2", new { disabled = true }),
            PatchAsync(admin2, HubHost.AdminUser, new { disabled = true }));
        var statuses = results.Select(r => r.StatusCode).ToArray();
        Assert.Single(statuses, s => s == HttpStatusCode.OK);
        Assert.Single(statuses, s => s is HttpStatusCode.Conflict or HttpStatusCode.Unauthorized);
        var loggedIn = new[] { await LoginStatusAsync(HubHost.AdminUser, HubHost.AdminPassword), await LoginStatusAsync("admin2", "admin2-password") };
        Assert.Single(loggedIn, s => s == HttpStatusCode.OK);

        // The one left cannot be demoted either (a site supervisor may not touch it, and it may not touch itself).
        var survivor = loggedIn[0] == HttpStatusCode.OK ? HubHost.AdminUser : "admin2";
        using var last = Bearer(await Hub.TokenAsync(survivor, survivor == HubHost.AdminUser ? HubHost.AdminPassword : "admin2-password"));
        Assert.Equal(HttpStatusCode.Forbidden, (await PatchAsync(last, survivor, new { role = "viewer" })).StatusCode);
    }

    [Fact]
    public async Task Disabling_an_account_ends_its_tokens_cookies_and_desk_connections()
    {
        await StartAsync();
        await CreateAsAdminAsync("op", "operator", TestRegistry.Site);
        var token = await Hub.TokenAsync("op", "op-password");
        using var bearer = Bearer(token);
        using var cookie = await DeskSession.LoginAsync(Hub.HttpUrl, "op", "op-password");
        await using var desk = await DeskClient.ConnectAsync(Hub, token);
        await desk.WaitForAsync("snapshot");
        Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await cookie.GetAsync("/api/auth/me")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await PatchAsync(Hub.Http, "op", new { disabled = true })).StatusCode);

        var within = TimeSpan.FromSeconds(60);
        await Eventually.BecomesAsync(async () => (await bearer.GetAsync("/api/auth/me")).StatusCode, s => s == HttpStatusCode.Unauthorized, within, "the bearer token refused");
        await Eventually.BecomesAsync(async () => (await cookie.GetAsync("/api/auth/me")).StatusCode, s => s == HttpStatusCode.Unauthorized, within, "the cookie refused");
        await Eventually.BecomesAsync(() => Task.FromResult(desk.Connection.State), s => s == HubConnectionState.Disconnected, within, "the desk connection closed");
        await Assert.ThrowsAnyAsync<Exception>(() => DeskClient.ConnectAsync(Hub, token));

        // A disabled account's right password is answered like a wrong one.
        using var anonymous = new HttpClient { BaseAddress = Hub.HttpUrl };
        var disabled = await anonymous.PostAsJsonAsync("/api/auth/token", new { username = "op", password = "op-password" });
        var wrong = await anonymous.PostAsJsonAsync("/api/auth/token", new { username = "op2-nobody", password = "op-password" });
        Assert.Equal(HttpStatusCode.Unauthorized, disabled.StatusCode);
        Assert.Equal(ProblemOf(await wrong.Content.ReadAsStringAsync()), ProblemOf(await disabled.Content.ReadAsStringAsync()));

        // Enabled again: new logins work, the old token stays dead.
        Assert.Equal(HttpStatusCode.OK, (await PatchAsync(Hub.Http, "op", new { disabled = false })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, await LoginStatusAsync("op", "op-password"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await bearer.GetAsync("/api/auth/me")).StatusCode);
    }

    [Fact]
    public async Task Changing_role_sites_or_password_ends_old_sessions_and_is_audited()
    {
        await StartAsync();
        await CreateAsAdminAsync("op", "operator", TestRegistry.Site);
        using var first = await SignedInAsync("op");
        Assert.Equal(HttpStatusCode.OK, (await PatchAsync(Hub.Http, "op", new { role = "viewer" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await first.GetAsync("/api/auth/me")).StatusCode);

        using var second = await SignedInAsync("op");
        Assert.Equal("viewer", (await second.GetFromJsonAsync<JsonElement>("/api/auth/me")).GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.OK, (await PatchAsync(Hub.Http, "op", new { sites = new[] { TestRegistry.OtherSite } })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await second.GetAsync("/api/auth/me")).StatusCode);

        using var third = await SignedInAsync("op");
        Assert.Equal([TestRegistry.OtherSite], (await third.GetFromJsonAsync<JsonElement>("/api/auth/me")).GetProperty("sites").EnumerateArray().Select(s => s.GetString()!).ToArray());
        Assert.Equal(HttpStatusCode.NoContent, (await Hub.Http.PostAsJsonAsync("/api/staff/op/password", new { password = "a-new-password" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await third.GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await LoginStatusAsync("op", "op-password"));
        Assert.Equal(HttpStatusCode.OK, await LoginStatusAsync("op", "a-new-password"));

        var audit = (await Hub.Http.GetFromJsonAsync<JsonElement[]>("/api/staff/op/audit"))!;
        Assert.Equal(["created", "role", "sites", "password"], audit.Select(a => a.GetProperty("action").GetString()!).ToArray());
        Assert.All(audit, a => Assert.Equal(HubHost.AdminUser, a.GetProperty("actor").GetString()));
        Assert.Contains("viewer", audit[1].GetProperty("detail").GetString());

        // The same trail in the hub's database.
        await using var db = new SqliteConnection($"Data Source={Path.Combine(Hub.DataDir, "hub.db")}");
        await db.OpenAsync();
        await using var count = db.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM staff_audit WHERE username = 'op' AND actor = 'admin';";
        Assert.Equal(4L, (long)(await count.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Staff_change_their_own_password_with_the_current_one()
    {
        await StartAsync();
        await CreateAsAdminAsync("op", "operator", TestRegistry.Site);
        using var elsewhere = await SignedInAsync("op");
        using var cookie = await DeskSession.LoginAsync(Hub.HttpUrl, "op", "op-password");

        Assert.Equal(HttpStatusCode.BadRequest, (await cookie.PostAsJsonAsync("/api/auth/password", new { currentPassword = "not-my-password", newPassword = "brand-new-password" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await cookie.PostAsJsonAsync("/api/auth/password", new { currentPassword = "op-password", newPassword = "short" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, await LoginStatusAsync("op", "op-password"));

        Assert.Equal(HttpStatusCode.NoContent, (await cookie.PostAsJsonAsync("/api/auth/password", new { currentPassword = "op-password", newPassword = "brand-new-password" })).StatusCode);
        // This browser stays signed in; every other session of the account ends.
        Assert.Equal(HttpStatusCode.OK, (await cookie.GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await elsewhere.GetAsync("/api/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await LoginStatusAsync("op", "op-password"));
        Assert.Equal(HttpStatusCode.OK, await LoginStatusAsync("op", "brand-new-password"));
    }

    [Fact]
    public async Task A_change_made_behind_the_hubs_back_is_noticed_within_the_session_check()
    {
        await StartAsync(new() { ["Staff:SessionCheck"] = "00:00:02" });
        await CreateAsAdminAsync("op", "operator", TestRegistry.Site);
        var token = await Hub.TokenAsync("op", "op-password");
        using var bearer = Bearer(token);
        await using var desk = await DeskClient.ConnectAsync(Hub, token);
        await desk.WaitForAsync("snapshot");
        Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync("/api/auth/me")).StatusCode);

        // As an operator with sqlite3 at the edge box would, or a restore of the database.
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(Hub.DataDir, "hub.db")};Pooling=False"))
        {
            await db.OpenAsync();
            await using var disable = db.CreateCommand();
            disable.CommandText = "UPDATE staff SET disabled = 1 WHERE username = 'op';";
            Assert.Equal(1, await disable.ExecuteNonQueryAsync());
        }

        var within = TimeSpan.FromSeconds(15);
        await Eventually.BecomesAsync(async () => (await bearer.GetAsync("/api/auth/me")).StatusCode, s => s == HttpStatusCode.Unauthorized, within, "the bearer token refused");
        await Eventually.BecomesAsync(() => Task.FromResult(desk.Connection.State), s => s == HubConnectionState.Disconnected, within, "the desk connection closed");
    }

    [Fact]
    public async Task The_openapi_document_describes_account_management()
    {
        await StartAsync();
        var paths = (await Hub.GetJsonAsync("/openapi/v1.json")).GetProperty("paths");
        Assert.True(paths.GetProperty("/api/staff").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/api/staff").TryGetProperty("post", out _));
        Assert.True(paths.GetProperty("/api/staff/{username}").TryGetProperty("patch", out _));
        Assert.True(paths.GetProperty("/api/staff/{username}/password").TryGetProperty("post", out _));
        Assert.True(paths.GetProperty("/api/staff/{username}/audit").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/api/auth/password").TryGetProperty("post", out _));
    }

    /// <summary>A problem body without its per-request trace id.</summary>
    private static string ProblemOf(string json)
    {
        var problem = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;
        problem.Remove("traceId");
        return string.Join("; ", problem.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}"));
    }
}
