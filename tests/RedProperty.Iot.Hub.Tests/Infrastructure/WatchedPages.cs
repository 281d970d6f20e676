using Microsoft.Playwright;

namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>
/// Pages of a test, each in its own browser context, whose script errors and CSP violations are
/// collected (every browser test asserts there were none). Disposing closes the contexts.
/// </summary>
public sealed class WatchedPages(BrowserFixture browser) : IAsyncDisposable
{
    private readonly List<IBrowserContext> _contexts = [];
    private readonly List<string> _errors = [];

    public IReadOnlyList<string> Errors => _errors;

    public async Task<IPage> NewPageAsync(int width = 1920, int height = 1080)
    {
        var context = await browser.NewContextAsync(width, height);
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        page.PageError += (_, error) => _errors.Add(error);
        page.Console += (_, message) =>
        {
            // Script errors and CSP violations count; a refused login or a cut connection is the browser reporting what the test did.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                _errors.Add(message.Text);
            }
        };
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.CloseAsync();
        }
    }
}
