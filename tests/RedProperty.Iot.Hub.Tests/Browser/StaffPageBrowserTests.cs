using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using RedProperty.Iot.Hub.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace RedProperty.Iot.Hub.Tests.Browser;

/// <summary>The staff page (<c>/staff.html</c>) in headless Chromium against the real hub.</summary>
[Collection("browser")]
public sealed class StaffPageBrowserTests(BrowserFixture browser) : IAsyncLifetime
{
    private readonly WatchedPages _pages = new(browser);

    // The operator's desk is cut off on purpose: the SignalR client reports that on the console, which is not a fault of the page.
    private readonly WatchedPages _desks = new(browser);

    private string _workDir = null!;
    private HubHost _hub = null!;

    public async Task InitializeAsync()
    {
        SetDefaultExpectTimeout(15_000);
        _workDir = Directory.CreateTempSubdirectory("rp-staff-page-").FullName;
        _hub = await HubHost.StartAsync(new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(_workDir),
            ["Influx:Version"] = "none",
        });
        foreach (var (username, displayName, role) in new[] { ("boss", "主管老李", "supervisor"), ("op", "值班员小王", "operator") })
        {
            var created = await _hub.Http.PostAsJsonAsync("/api/staff", new { username, displayName, password = $"{username}-password", role, sites = new[] { TestRegistry.Site } });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var elsewhere = await _hub.Http.PostAsJsonAsync("/api/staff", new { username = "other", displayName = "other", password = "other-password", role = "viewer", sites = new[] { TestRegistry.OtherSite } });
        Assert.Equal(HttpStatusCode.Created, elsewhere.StatusCode);
    }

    public async Task DisposeAsync()
    {
        await _pages.DisposeAsync();
        await _desks.DisposeAsync();
        await _hub.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    private async Task LoginAsync(IPage page, string username, string path = "/")
    {
        await page.GotoAsync(new Uri(_hub.HttpUrl, path).ToString());
        Assert.EndsWith("/login.html", new Uri(page.Url).AbsolutePath);
        await page.FillAsync("#username", username);
        await page.FillAsync("#password", $"{username}-password");
        await page.ClickAsync("#login-submit");
    }

    [Fact]
    public async Task A_site_supervisor_manages_its_staff_and_a_disabled_operator_is_signed_out_of_the_desk()
    {
        // The operator at the desk: no link to the staff page.
        var desk = await _desks.NewPageAsync();
        await LoginAsync(desk, "op");
        await Expect(desk.Locator("#conn")).ToHaveAttributeAsync("data-state", "live");
        await Expect(desk.Locator("#staff")).ToBeHiddenAsync();

        // The supervisor follows the link in the desk's top bar.
        var page = await _pages.NewPageAsync(1440, 900);
        await LoginAsync(page, "boss");
        await Expect(page.Locator("#conn")).ToHaveAttributeAsync("data-state", "live");
        await page.ClickAsync("#staff");
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-state", "ready");
        Assert.EndsWith("/staff.html", new Uri(page.Url).AbsolutePath);

        // Only the accounts within its site: itself and the operator (not the admin, not the other compound's).
        var rows = page.Locator("#s-rows tr");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(page.Locator("#s-rows tr[data-user='boss'] .badge.self")).ToHaveTextAsync("本人");
        await Expect(page.Locator("#s-rows tr[data-user='boss'] button[data-action='disable']")).ToHaveCountAsync(0);

        // A new gate guard: the dialog offers only its own site, never "all sites".
        await page.ClickAsync("#s-new");
        await Expect(page.Locator("#s-sites input[name='site']")).ToHaveCountAsync(1);
        await Expect(page.Locator("#s-sites input[value='*']")).ToHaveCountAsync(0);
        await Expect(page.Locator("#s-sites input[value='testsite']")).ToBeCheckedAsync();
        await page.FillAsync("#s-username", "guard");
        await page.FillAsync("#s-password", "guard-password");
        await page.FillAsync("#s-display", "门岗<b>老张</b>");
        await page.SelectOptionAsync("#s-role", "viewer");
        await page.ClickAsync("#s-edit-submit");
        var guard = page.Locator("#s-rows tr[data-user='guard']");
        await Expect(guard).ToContainTextAsync("门岗<b>老张</b>");
        await Expect(guard).ToContainTextAsync("值班查看");
        await Expect(page.Locator("#s-rows b")).ToHaveCountAsync(0);
        Assert.Equal(HttpStatusCode.OK, (await _hub.Http.GetAsync("/api/staff/guard")).StatusCode);

        // Disabling the operator ends its desk session.
        var op = page.Locator("#s-rows tr[data-user='op']");
        await op.Locator("button[data-action='disable']").ClickAsync();
        await Expect(op.Locator(".badge.disabled")).ToHaveTextAsync("已停用");
        await Expect(desk.Locator("#notice")).ToHaveTextAsync("登录已过期，请重新登录。", new() { Timeout = 60_000 });
        Assert.EndsWith("/login.html", new Uri(desk.Url).AbsolutePath);

        // Its history says who did it.
        await op.Locator("button[data-action='audit']").ClickAsync();
        var trail = page.Locator("#s-audit-list li");
        await Expect(trail).ToHaveCountAsync(2);
        await Expect(trail.Nth(1)).ToContainTextAsync("停用");
        await Expect(trail.Nth(1)).ToContainTextAsync("boss");
        await TestArtifacts.ScreenshotAsync(page, "staff-audit");
        await page.Locator("#s-audit button[type='submit']").ClickAsync();

        // In English, the same table.
        await page.ClickAsync("#lang");
        await Expect(page.Locator("th").First).ToHaveTextAsync("User name");
        await Expect(op.Locator(".badge.disabled")).ToHaveTextAsync("Disabled");
        await TestArtifacts.ScreenshotAsync(page, "staff-page");
        Assert.Empty(_pages.Errors);
    }

    [Fact]
    public async Task An_operator_changes_its_own_password_on_the_staff_page()
    {
        var page = await _pages.NewPageAsync(1024, 768);
        await LoginAsync(page, "op", "/staff.html");
        await Expect(page.Locator("body")).ToHaveAttributeAsync("data-state", "ready");
        Assert.EndsWith("/staff.html", new Uri(page.Url).AbsolutePath);
        await Expect(page.Locator("#s-message")).ToHaveTextAsync("只有主管可以管理账号；您可以在下方修改自己的密码。");
        await Expect(page.Locator("#s-accounts")).ToBeHiddenAsync();

        await page.FillAsync("#s-current", "not-my-password");
        await page.FillAsync("#s-new-password", "a-better-password");
        await page.FillAsync("#s-repeat", "a-better-password");
        await page.ClickAsync("#s-own-submit");
        await Expect(page.Locator("#s-own-error")).ToHaveTextAsync("当前密码不正确。");

        await page.FillAsync("#s-current", "op-password");
        await page.ClickAsync("#s-own-submit");
        await Expect(page.Locator(".toast")).ToHaveTextAsync("密码已修改，其他设备上的登录已退出。");
        await TestArtifacts.ScreenshotAsync(page, "staff-own-password");

        // Still signed in here; the new password is the one that works.
        await Expect(page.Locator("#user")).ToContainTextAsync("值班员小王");
        var me = await page.APIRequest.GetAsync(new Uri(_hub.HttpUrl, "/api/auth/me").ToString());
        Assert.Equal(200, me.Status);
        using var anonymous = new HttpClient { BaseAddress = _hub.HttpUrl };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/auth/token", new { username = "op", password = "op-password" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsJsonAsync("/api/auth/token", new { username = "op", password = "a-better-password" })).StatusCode);
        Assert.Empty(_pages.Errors);
    }
}
