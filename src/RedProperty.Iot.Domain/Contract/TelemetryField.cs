using System.Text;

namespace RedProperty.Iot.Domain.Contract;

/// <summary>The JSON type a telemetry field must have on the wire.</summary>
public enum FieldType
{
    Bool,
    Integer,
    Number,
    Text,
}

/// <summary>How a telemetry field is kept in the time series (InfluxDB line protocol).</summary>
public enum FieldStorage
{
    /// <summary>A field of the point, under the wire name.</summary>
    Field,

    /// <summary>
    /// A tag of the point, filled from the reading or, when the reading has none, from the registry
    /// (the charger's circuit). A tag is not a reading: a message carrying only tags is refused.
    /// </summary>
    Tag,

    /// <summary>
    /// A string field (<c>""</c> for null) beside a bool field named <see cref="TelemetryField.FlagName"/>
    /// saying whether there is a value: the elevator's <c>fault</c> and <c>faulted</c> (countable in InfluxQL).
    /// </summary>
    FieldWithFlag,
}

/// <summary>
/// One field of a telemetry kind as the contract declares it (see <see cref="TelemetryContract"/>):
/// its wire name, JSON type and range, unit, and where it goes in the time series.
/// </summary>
public sealed class TelemetryField
{
    private readonly Func<DeviceTelemetry, FieldValue> _valueOf;
    private readonly string[]? _allowed;

    internal TelemetryField(int index, string name, FieldType type, Func<DeviceTelemetry, FieldValue> valueOf)
    {
        Index = index;
        Name = name;
        Type = type;
        Utf8Name = Encoding.UTF8.GetBytes(name);
        _valueOf = valueOf;
    }

    /// <summary>Position in the kind's declaration.</summary>
    public int Index { get; }

    /// <summary>The name on the wire; also the field's (or tag's) name in the time series and in the desk's reading view.</summary>
    public string Name { get; }

    public FieldType Type { get; }

    /// <summary>Smallest and largest value of an integer or number field.</summary>
    public double Min { get; init; }

    public double Max { get; init; }

    /// <summary>Longest text of a text field, in characters.</summary>
    public int MaxLength { get; init; }

    /// <summary>A text field for which <c>null</c> is a value (the elevator's <c>"fault": null</c>: no fault).</summary>
    public bool Nullable { get; init; }

    /// <summary>The only values a text field may take, or null for any.</summary>
    public IReadOnlyList<string>? AllowedValues
    {
        get => _allowed;
        init
        {
            _allowed = value is null ? null : [.. value];
            AllowedValuesRule = _allowed switch
            {
                null => string.Empty,
                [var only] => $"{Name} must be {only}",
                _ => $"{Name} must be {string.Join(", ", _allowed[..^1])} or {_allowed[^1]}",
            };
        }
    }

    /// <summary>Unit of a number, for people (also spelled in the name: <c>currentA</c>, <c>tempC</c>).</summary>
    public string? Unit { get; init; }

    public FieldStorage Storage { get; init; }

    /// <summary>With <see cref="FieldStorage.FieldWithFlag"/>: the bool field saying whether there is a value.</summary>
    public string? FlagName { get; init; }

    /// <summary>Whether the field counts as a reading (a telemetry message must carry at least one).</summary>
    public bool IsReading => Storage != FieldStorage.Tag;

    internal byte[] Utf8Name { get; }

    /// <summary>The refusal's detail for a text outside <see cref="AllowedValues"/>.</summary>
    internal string AllowedValuesRule { get; private init; } = string.Empty;

    /// <summary>Whether a text is one of <see cref="AllowedValues"/> (any text when there is no list).</summary>
    internal bool Allows(string text) => _allowed is null || Array.IndexOf(_allowed, text) >= 0;

    /// <summary>This field of a reading of the field's kind.</summary>
    public FieldValue ValueOf(DeviceTelemetry reading) => _valueOf(reading);

    public override string ToString() => Name;
}
