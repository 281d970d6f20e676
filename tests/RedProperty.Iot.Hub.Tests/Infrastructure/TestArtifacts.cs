using Microsoft.Playwright;

namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>Where tests leave files for people to look at (screenshots): {repository}/artifacts/screenshots, or $RP_TEST_ARTIFACTS.</summary>
public static class TestArtifacts
{
    public const string EnvironmentVariable = "RP_TEST_ARTIFACTS";

    private static readonly Lazy<string> Resolved = new(Resolve);

    public static string Directory
    {
        get
        {
            var directory = Resolved.Value;
            System.IO.Directory.CreateDirectory(directory);
            return directory;
        }
    }

    /// <summary>Saves the visible part of the page as {Directory}/{name}.png and returns that path.</summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var invalid = Path.GetInvalidFileNameChars();
        var fileName = string.Concat(name.Select(c => invalid.Contains(c) ? '_' : c)) + ".png";
        var path = Path.Combine(Directory, fileName);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = false, Type = ScreenshotType.Png });
        return path;
    }

    private static string Resolve()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }

        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "RedProperty.Iot.sln")))
            {
                return Path.Combine(folder.FullName, "artifacts", "screenshots");
            }
        }

        // Run outside the repository (a copied test output): keep the files next to the test assembly.
        return Path.Combine(AppContext.BaseDirectory, "artifacts", "screenshots");
    }
}
