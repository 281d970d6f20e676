using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace RedProperty.Iot.Domain.Registry;

/// <summary>Reading and writing registry files (Chinese names stay readable, not \u-escaped).</summary>
public static class RegistryJson
{
    private static readonly JsonSerializerOptions WriteOptions = new(RegistryJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
        TypeInfoResolver = RegistryJsonContext.Default,
    };

    public static byte[] Serialize(RegistryDocument document) =>
        JsonSerializer.SerializeToUtf8Bytes(document, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<RegistryDocument>)WriteOptions.GetTypeInfo(typeof(RegistryDocument)));

    /// <summary>Parses a registry document; a syntax error is described with its line and position.</summary>
    public static RegistryDocument? Deserialize(ReadOnlySpan<byte> json, out string? error)
    {
        try
        {
            error = null;
            return JsonSerializer.Deserialize(json, RegistryJsonContext.Default.RegistryDocument);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, position {ex.BytePositionInLine + 1}" : string.Empty;
            error = $"registry is not valid JSON{where}: {ex.Message}";
            return null;
        }
    }
}
