using System.Diagnostics;
using Microsoft.Playwright;

namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>
/// One headless Chromium (Debian's package, driven by the Node driver shipped inside Microsoft.Playwright) shared by
/// the "browser" collection. Nothing is downloaded: no <c>playwright install</c>, the browser is /usr/bin/chromium.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>Added to Playwright's own switches (which already include --headless and --disable-dev-shm-usage).</summary>
    public static readonly IReadOnlyList<string> ChromiumArgs =
    [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        // Even with the switches above, Debian's Chromium looks up accounts.google.com and update.googleapis.com at
        // start: no host name but loopback resolves, so the tests never reach the internet.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
    ];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser fixture is not initialized");

    /// <summary>How long starting the driver and launching Chromium took.</summary>
    public TimeSpan LaunchDuration { get; private set; }

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"{ChromiumPath} is missing: run deploy/test.sh, which installs Debian's chromium (and the CJK font the screenshots need)");
        }

        var stopwatch = Stopwatch.StartNew();
        _playwright = await Playwright.CreateAsync();
        try
        {
            _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ChromiumArgs,
                Timeout = 60_000,
            });
        }
        catch
        {
            _playwright.Dispose();
            _playwright = null;
            throw;
        }

        LaunchDuration = stopwatch.Elapsed;
    }

    /// <summary>A fresh, isolated context (cookies, storage) with the desk's screen size, Chinese locale and China's time zone.</summary>
    public Task<IBrowserContext> NewContextAsync(int width = 1920, int height = 1080, string locale = "zh-CN") =>
        Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = locale,
            TimezoneId = "Asia/Shanghai",
        });

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
            _browser = null;
        }

        _playwright?.Dispose();
        _playwright = null;
    }
}

// Run alone, after the other tests: Chromium takes a core, and the timed checks (here and in AlertFlowTests) must not share it.
[CollectionDefinition("browser", DisableParallelization = true)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>;
