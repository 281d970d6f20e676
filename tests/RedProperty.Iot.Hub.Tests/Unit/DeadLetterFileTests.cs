using RedProperty.Iot.Hub.TimeSeries;

namespace RedProperty.Iot.Hub.Tests.Unit;

public sealed class DeadLetterFileTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("rp-dead-letter-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_file_is_rotated_past_its_bound_so_bad_data_cannot_fill_the_disk()
    {
        var path = Path.Combine(_directory, "dead-letter.lp");
        var file = new DeadLetterFile(path, TimeProvider.System, maxBytes: 4096);
        for (var i = 0; i < 200; i++)
        {
            file.Add($"light,device=l{i} lux=\"bad\" {i}", "field type conflict");
        }

        Assert.InRange(new FileInfo(path).Length, 1, 4096);
        Assert.InRange(new FileInfo(path + ".1").Length, 1, 4096);
        Assert.Contains("device=l199", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Equal(2, Directory.GetFiles(_directory).Length);
    }
}
