using System.Globalization;

namespace RedProperty.Iot.Hub.TimeSeries;

/// <summary>
/// Points InfluxDB refused as bad data, appended to <c>dead-letter.lp</c> under the data directory
/// with a comment line giving the time and reason, so nothing disappears without a trace.
/// </summary>
public sealed class DeadLetterFile(string path, TimeProvider time)
{
    private readonly Lock _gate = new();

    public string Path { get; } = path;

    public void Add(string line, string? reason)
    {
        var entry = string.Create(CultureInfo.InvariantCulture, $"# {time.GetUtcNow():O} {reason?.ReplaceLineEndings(" ")}\n{line}\n");
        lock (_gate)
        {
            File.AppendAllText(Path, entry);
        }
    }
}
