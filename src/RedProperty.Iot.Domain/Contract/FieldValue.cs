namespace RedProperty.Iot.Domain.Contract;

public enum FieldValueKind : byte
{
    /// <summary>The reading said nothing about the field.</summary>
    Absent,

    /// <summary>An explicit JSON <c>null</c>, where the contract gives it a meaning (<c>"fault": null</c>: no fault).</summary>
    Null,
    Bool,
    Integer,
    Number,
    Text,
}

/// <summary>
/// The value of one telemetry field of one reading, without boxing: what the decoder fills in, and
/// what the time series and the desk read through <see cref="TelemetryField.ValueOf"/>.
/// </summary>
public readonly struct FieldValue
{
    private readonly long _bits;
    private readonly string? _text;

    private FieldValue(FieldValueKind kind, long bits, string? text)
    {
        Kind = kind;
        _bits = bits;
        _text = text;
    }

    public static FieldValue Absent => default;

    public static FieldValue Null { get; } = new(FieldValueKind.Null, 0, null);

    public FieldValueKind Kind { get; }

    /// <summary>The reading carried the field (a value or an explicit null).</summary>
    public bool IsSet => Kind != FieldValueKind.Absent;

    public bool? Bool => Kind == FieldValueKind.Bool ? _bits != 0 : null;

    public long? Integer => Kind == FieldValueKind.Integer ? _bits : null;

    public double? Number => Kind == FieldValueKind.Number ? BitConverter.Int64BitsToDouble(_bits) : null;

    public string? Text => Kind == FieldValueKind.Text ? _text : null;

    public static FieldValue Of(bool? value) => value is { } v ? new(FieldValueKind.Bool, v ? 1 : 0, null) : default;

    public static FieldValue Of(long? value) => value is { } v ? new(FieldValueKind.Integer, v, null) : default;

    public static FieldValue Of(double? value) => value is { } v ? new(FieldValueKind.Number, BitConverter.DoubleToInt64Bits(v), null) : default;

    /// <summary>A text value; null means the field is absent (see <see cref="Null"/> for an explicit null).</summary>
    public static FieldValue Of(string? value) => value is not null ? new(FieldValueKind.Text, 0, value) : default;
}
