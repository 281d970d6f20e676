using RedProperty.Iot.Hub.Cameras;

namespace RedProperty.Iot.Hub.Tests.Unit;

public sealed class EvidenceFilesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("rp-evidence-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Names_are_per_site_and_day_and_only_names_it_hands_out_resolve()
    {
        var files = new EvidenceFiles(_root);
        var id = Guid.NewGuid();
        var (path, url) = files.NewFile("jiahua", id, "cam-1", "jpg", new DateTimeOffset(2026, 11, 29, 23, 30, 0, TimeSpan.FromHours(8)));
        Assert.Equal($"/api/evidence/jiahua/20261129/{id:N}-cam-1.jpg", url);
        Assert.Equal(Path.Combine(_root, "jiahua", "20261129", $"{id:N}-cam-1.jpg"), path);
        Assert.Equal(path, files.Resolve("jiahua", "20261129", $"{id:N}-cam-1.jpg"));

        Assert.Null(files.Resolve("..", "20261129", $"{id:N}-cam-1.jpg"));
        Assert.Null(files.Resolve("jiahua", "..", $"{id:N}-cam-1.jpg"));
        Assert.Null(files.Resolve("jiahua", "20261129", "../../hub.db"));
        Assert.Null(files.Resolve("jiahua", "20261129", $"{id:N}-cam-1.exe"));
    }

    [Fact]
    public void Pruning_removes_days_past_retention_then_the_oldest_files_over_the_quota()
    {
        var files = new EvidenceFiles(_root);
        var now = new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
        string Make(int daysAgo, int minutesAgo, int bytes)
        {
            var (path, _) = files.NewFile("s", Guid.NewGuid(), "cam", "jpg", now.AddDays(-daysAgo));
            File.WriteAllBytes(path, new byte[bytes]);
            File.SetLastWriteTimeUtc(path, now.AddDays(-daysAgo).AddMinutes(-minutesAgo).UtcDateTime);
            return path;
        }

        var ancient = Make(40, 0, 100);
        var older = Make(2, 30, 600);
        var newer = Make(1, 0, 600);
        var newest = Make(0, 0, 600);

        var (removed, freed) = files.Prune(days: 30, maxBytes: 1300, now);

        Assert.Equal((2, 700L), (removed, freed));
        Assert.False(File.Exists(ancient));
        Assert.False(File.Exists(older));
        Assert.True(File.Exists(newer));
        Assert.True(File.Exists(newest));
        Assert.False(Directory.Exists(Path.GetDirectoryName(ancient)));
    }
}
