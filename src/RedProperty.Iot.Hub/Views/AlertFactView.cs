using System.Text.Json.Serialization;

namespace RedProperty.Iot.Hub.Views;

/// <summary>A value of a fact: <c>{"type":"quantity","number":2.59,"unit":"A"}</c>, <c>{"type":"circuit","text":"corridor"}</c>.</summary>
public sealed record FactValueView(
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Number = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Text = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Unit = null);

/// <summary>
/// What a rule found, as data: <c>{"key":"flying_wire_charging.circuit_draw","values":{"circuit":…,"current":…,"duration":…}}</c>.
/// The desk writes it in the user's language; the alert's <c>message</c> is its English sentence. Also how facts are stored.
/// </summary>
public sealed record AlertFactView(string Key, IReadOnlyDictionary<string, FactValueView> Values)
{
    public static AlertFactView? From(AlertFact? fact) => fact is null ? null : new(
        fact.Key,
        fact.Values.ToDictionary(v => v.Name, v => new FactValueView(v.Type.ToWire(), v.Number, v.Text, v.Unit), StringComparer.Ordinal));

    /// <summary>Back to the domain's fact; a value of a type this hub does not know is kept as text.</summary>
    public AlertFact ToFact() => new(Key, [.. (Values ?? new Dictionary<string, FactValueView>()).Select(v =>
        new FactValue(v.Key, FactValueTypes.TryParse(v.Value.Type, out var type) ? type : FactValueType.Text, v.Value.Number, v.Value.Text, v.Value.Unit))]);
}
