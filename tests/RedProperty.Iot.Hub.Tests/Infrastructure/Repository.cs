namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>The source checkout the tests run from (the folder holding RedProperty.Iot.sln).</summary>
public static class Repository
{
    private static readonly Lazy<string> RootFolder = new(() =>
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "RedProperty.Iot.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("the tests must run inside the source checkout (no RedProperty.Iot.sln above " + AppContext.BaseDirectory + ")");
    });

    public static string Root => RootFolder.Value;

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);
}
