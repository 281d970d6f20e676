using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Reflection;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Storage;
using RedProperty.Iot.Hub.Tests.Infrastructure;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>A hub database from before accounts had security stamps (schema 4), opened by this hub.</summary>
public sealed class StaffMigrationTests : IAsyncLifetime
{
    private string _workDir = null!;
    private string _dataDir = null!;

    public Task InitializeAsync()
    {
        _workDir = Directory.CreateTempSubdirectory("rp-staff-migration-").FullName;
        _dataDir = Path.Combine(_workDir, "hub");
        Directory.CreateDirectory(_dataDir);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_workDir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Accounts_from_before_security_stamps_keep_working_and_tokens_without_a_stamp_do_not()
    {
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(_dataDir, "hub.db")};Pooling=False"))
        {
            await db.OpenAsync();
            var migrations = (string[])typeof(HubDatabase).GetField("Migrations", BindingFlags.NonPublic | BindingFlags.Static)!.GetValue(null)!;
            await using var schema = db.CreateCommand();
            schema.CommandText = string.Join('\n', migrations.Take(4)) + """
                PRAGMA user_version = 4;
                INSERT INTO staff (username, display_name, password_hash, role, sites, failed_logins, locked_until, created_at)
                VALUES ('admin', 'admin', $hash, 'supervisor', '*', 4, NULL, 0);
                """;
            schema.Parameters.AddWithValue("$hash", new PasswordHasher<object>().HashPassword(null!, HubHost.AdminPassword));
            await schema.ExecuteNonQueryAsync();
        }

        await using var hub = await HubHost.StartAsync(new Dictionary<string, string?> { ["Hub:Registry"] = TestRegistry.Write(_workDir), ["Influx:Version"] = "none" }, _dataDir);
        var admin = Assert.Single((await hub.Http.GetFromJsonAsync<JsonElement[]>("/api/staff"))!);
        Assert.False(admin.GetProperty("disabled").GetBoolean());

        await using (var db = new SqliteConnection($"Data Source={Path.Combine(_dataDir, "hub.db")};Pooling=False;Mode=ReadOnly"))
        {
            await db.OpenAsync();
            await using var columns = db.CreateCommand();
            columns.CommandText = "SELECT group_concat(name) FROM pragma_table_info('staff');";
            var names = ((string)(await columns.ExecuteScalarAsync())!).Split(',');
            Assert.Contains("security_stamp", names);
            Assert.DoesNotContain("failed_logins", names);
        }

        // A token as the previous hub issued them (same keys, no stamp) is refused.
        var bearer = hub.Services.GetRequiredService<IOptionsMonitor<BearerTokenOptions>>().Get(BearerTokenDefaults.AuthenticationScheme);
        var principal = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "admin"), new Claim(ClaimTypes.Role, "supervisor"), new Claim("rp:site", "*")],
            BearerTokenDefaults.AuthenticationScheme, ClaimTypes.Name, ClaimTypes.Role));
        var old = bearer.BearerTokenProtector.Protect(new AuthenticationTicket(principal, new AuthenticationProperties { ExpiresUtc = DateTimeOffset.UtcNow.AddHours(1) }, BearerTokenDefaults.AuthenticationScheme));
        using var client = new HttpClient { BaseAddress = hub.HttpUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", old);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/auth/me")).StatusCode);
    }
}
