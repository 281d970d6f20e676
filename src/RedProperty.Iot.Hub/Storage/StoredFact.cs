using System.Text.Json;
using System.Text.Json.Serialization;
using RedProperty.Iot.Hub.Views;

namespace RedProperty.Iot.Hub.Storage;

/// <summary>
/// Facts are stored as their API form (<see cref="AlertFactView"/>); alerts stored before facts have none
/// (the desk shows their message), and a fact that cannot be read back counts as none.
/// </summary>
internal static class StoredFact
{
    public static string? Write(AlertFact? fact) =>
        AlertFactView.From(fact) is { } view ? JsonSerializer.Serialize(view, StorageJsonContext.Default.AlertFactView) : null;

    public static AlertFact? Read(string? json)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, StorageJsonContext.Default.AlertFactView)?.ToFact();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AlertFactView))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
