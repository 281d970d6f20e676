using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RedProperty.Iot.FirmwareSim.Capture;

/// <summary>
/// The first line of a capture: format, the wall-clock (or simulated) time offset 0 stands for, and
/// where the traffic came from.
/// </summary>
public sealed record CaptureHeader(string Format, DateTimeOffset StartedAt, string Source)
{
    public const string CurrentFormat = "rp-capture/1";
}

/// <summary>
/// One captured MQTT message: seconds since the start, topic, QoS, retain flag and the payload as
/// text (UTF-8) or, when it is not valid UTF-8, as <c>payloadBase64</c>.
/// </summary>
public sealed record CaptureRecord(double T, string Topic, int Qos, bool Retain, string? Payload = null, string? PayloadBase64 = null)
{
    [JsonIgnore]
    public TimeSpan Offset => TimeSpan.FromSeconds(T);

    public byte[] PayloadBytes() => PayloadBase64 is not null ? Convert.FromBase64String(PayloadBase64) : Encoding.UTF8.GetBytes(Payload ?? string.Empty);

    public static CaptureRecord From(TimeSpan offset, string topic, int qos, bool retain, ReadOnlySpan<byte> payload)
    {
        var t = Math.Round(offset.TotalSeconds, 3);
        return Utf8.IsValid(payload)
            ? new CaptureRecord(t, topic, qos, retain, Payload: Encoding.UTF8.GetString(payload))
            : new CaptureRecord(t, topic, qos, retain, PayloadBase64: Convert.ToBase64String(payload));
    }

    private static class Utf8
    {
        private static readonly UTF8Encoding Strict = new(false, throwOnInvalidBytes: true);

        public static bool IsValid(ReadOnlySpan<byte> bytes)
        {
            try
            {
                Strict.GetCharCount(bytes);
                return true;
            }
            catch (DecoderFallbackException)
            {
                return false;
            }
        }
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CaptureHeader))]
[JsonSerializable(typeof(CaptureRecord))]
internal sealed partial class CaptureJsonContext : JsonSerializerContext
{
    /// <summary>Payloads stay readable in the file (quotes and Chinese as they are, not \u escapes): captures are data, not HTML.</summary>
    public static CaptureJsonContext Readable { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}

/// <summary>Writes a capture as JSON Lines: the header, then one message per line in time order.</summary>
public sealed class CaptureWriter : IAsyncDisposable
{
    private readonly StreamWriter _writer;
    private readonly Lock _gate = new();

    public CaptureWriter(string path, CaptureHeader header)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        Directory.CreateDirectory(directory!);
        _writer = new StreamWriter(path, append: false, new UTF8Encoding(false)) { NewLine = "\n" };
        _writer.WriteLine(JsonSerializer.Serialize(header, CaptureJsonContext.Readable.CaptureHeader));
    }

    public long Count { get; private set; }

    /// <summary>Writes a message stamped with the clock's reading taken under the writer's lock, so lines stay in time order.</summary>
    public void Write(Stopwatch clock, Func<TimeSpan, CaptureRecord> record)
    {
        lock (_gate)
        {
            _writer.WriteLine(JsonSerializer.Serialize(record(clock.Elapsed), CaptureJsonContext.Readable.CaptureRecord));
            Count++;
        }
    }

    public void Write(CaptureRecord record)
    {
        var line = JsonSerializer.Serialize(record, CaptureJsonContext.Readable.CaptureRecord);
        lock (_gate)
        {
            _writer.WriteLine(line);
            Count++;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.FlushAsync().ConfigureAwait(false);
        await _writer.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>Reads a capture; a bad line is reported with its number.</summary>
public static class CaptureReader
{
    public static (CaptureHeader Header, IReadOnlyList<CaptureRecord> Records) Read(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8);
        var first = reader.ReadLine() ?? throw new InvalidDataException($"{path}: empty, expected a capture header line");
        CaptureHeader header;
        try
        {
            header = JsonSerializer.Deserialize(first, CaptureJsonContext.Default.CaptureHeader)
                ?? throw new InvalidDataException($"{path}:1: not a capture header");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}:1: not a capture header: {e.Message}");
        }

        if (header.Format != CaptureHeader.CurrentFormat)
        {
            throw new InvalidDataException($"{path}:1: format '{header.Format}', expected {CaptureHeader.CurrentFormat}");
        }

        var records = new List<CaptureRecord>();
        var number = 1;
        var last = 0.0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            CaptureRecord? record;
            try
            {
                record = JsonSerializer.Deserialize(line, CaptureJsonContext.Default.CaptureRecord);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{number}: not a captured message: {e.Message}");
            }

            if (record is null || string.IsNullOrEmpty(record.Topic) || record.Qos is < 0 or > 2 || record.T < last || (record.Payload is null && record.PayloadBase64 is null))
            {
                throw new InvalidDataException($"{path}:{number}: a message needs t (not going back in time), topic, qos 0-2 and payload or payloadBase64");
            }

            last = record.T;
            records.Add(record);
        }

        return (header, records);
    }
}
