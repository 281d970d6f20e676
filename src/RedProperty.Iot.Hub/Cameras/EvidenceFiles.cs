using System.Globalization;
using System.Text.RegularExpressions;

namespace RedProperty.Iot.Hub.Cameras;

/// <summary>
/// Where camera evidence lives: <c>{DataDir}/evidence/{site}/{yyyyMMdd}/{alert}-{camera}.jpg|mp4</c>,
/// served at <c>/api/evidence/{site}/{yyyyMMdd}/{file}</c>, kept for a number of days and within a size quota.
/// </summary>
public sealed partial class EvidenceFiles(string root)
{
    public string Root { get; } = root;

    /// <summary>A new file for an alert's evidence: its path on disk and its URL.</summary>
    public (string Path, string Url) NewFile(string site, Guid alertId, string camera, string extension, DateTimeOffset at)
    {
        var day = at.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var name = $"{alertId:N}-{camera}.{extension}";
        var folder = Path.Combine(Root, site, day);
        Directory.CreateDirectory(folder);
        return (Path.Combine(folder, name), $"/api/evidence/{site}/{day}/{name}");
    }

    /// <summary>The file behind a URL's parts, or null when they are not a name this store hands out.</summary>
    public string? Resolve(string site, string day, string file) =>
        SafeSegment().IsMatch(site) && DayPattern().IsMatch(day) && FilePattern().IsMatch(file) ? Path.Combine(Root, site, day, file) : null;

    /// <summary>Deletes days older than <paramref name="days"/>, then the oldest files until the store is under <paramref name="maxBytes"/>.</summary>
    public (int Files, long Bytes) Prune(int days, long maxBytes, DateTimeOffset now)
    {
        if (!Directory.Exists(Root))
        {
            return (0, 0);
        }

        var files = new DirectoryInfo(Root).EnumerateFiles("*", SearchOption.AllDirectories).OrderBy(f => f.LastWriteTimeUtc).ToList();
        var total = files.Sum(f => f.Length);
        var removed = 0;
        long freed = 0;
        foreach (var file in files)
        {
            var tooOld = file.LastWriteTimeUtc < now.UtcDateTime.AddDays(-days);
            if (!tooOld && total <= maxBytes)
            {
                break;
            }

            try
            {
                var length = file.Length;
                file.Delete();
                total -= length;
                freed += length;
                removed++;
            }
            catch (IOException)
            {
            }
        }

        foreach (var dir in new DirectoryInfo(Root).EnumerateDirectories("*", SearchOption.AllDirectories).OrderByDescending(d => d.FullName.Length))
        {
            if (!dir.EnumerateFileSystemInfos().Any())
            {
                dir.Delete();
            }
        }

        return (removed, freed);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex SafeSegment();

    [GeneratedRegex("^[0-9]{8}$")]
    private static partial Regex DayPattern();

    [GeneratedRegex("^[0-9a-f]{32}-[A-Za-z0-9_-]{1,64}\\.(jpg|mp4)$")]
    private static partial Regex FilePattern();
}
