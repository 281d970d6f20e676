using System.Globalization;

namespace RedProperty.Iot.Hub.TimeSeries;

/// <summary>
/// Points InfluxDB refused as bad data, appended to <c>dead-letter.lp</c> under the data directory
/// with a comment line giving the time and reason, so nothing disappears without a trace. Bounded: past
/// <see cref="MaxBytes"/> the file becomes <c>dead-letter.lp.1</c> (replacing the one before), so a device
/// that sends bad data for weeks cannot fill the disk.
/// </summary>
public sealed class DeadLetterFile(string path, TimeProvider time, long maxBytes = DeadLetterFile.MaxBytes)
{
    public const long MaxBytes = 16L << 20;

    private readonly Lock _gate = new();

    public string Path { get; } = path;

    public void Add(string line, string? reason)
    {
        var entry = string.Create(CultureInfo.InvariantCulture, $"# {time.GetUtcNow():O} {reason?.ReplaceLineEndings(" ")}\n{line}\n");
        lock (_gate)
        {
            var file = new FileInfo(Path);
            if (file.Exists && file.Length + entry.Length > maxBytes)
            {
                File.Move(Path, Path + ".1", overwrite: true);
            }

            File.AppendAllText(Path, entry);
        }
    }
}
