using System.Collections.Immutable;

namespace RedProperty.Iot.Domain.Contract;

/// <summary>
/// The fields of one telemetry kind, declared once (beside the kind's record in
/// <c>DeviceMessages.cs</c>): the decoder reads and checks payloads by it, the hub maps readings to
/// the time series and the desk's reading view by it, and the rules keep each device's last known
/// values by it. A table rather than a source generator: four kinds of a few fields each, read in
/// one place, with no build step to learn.
/// </summary>
public sealed class TelemetryContract
{
    /// <summary>Most fields a kind may declare (the decoder keeps one slot per field on the stack).</summary>
    public const int MaxFields = 8;

    private readonly ImmutableArray<TelemetryField> _fields;
    private readonly TelemetryFactory<DeviceTelemetry> _create;

    private TelemetryContract(DeviceKind kind, ImmutableArray<TelemetryField> fields, TelemetryFactory<DeviceTelemetry> create)
    {
        Kind = kind;
        _fields = fields;
        _create = create;
        FieldsByName = [.. fields.OrderBy(f => f.Name, StringComparer.Ordinal)];
        Tag = fields.SingleOrDefault(f => f.Storage == FieldStorage.Tag);
    }

    public DeviceKind Kind { get; }

    /// <summary>The fields in the order they are declared (an immutable array: walking it allocates nothing).</summary>
    public ImmutableArray<TelemetryField> Fields => _fields;

    /// <summary>The fields in ordinal order of their names (the desk's reading view lists them so).</summary>
    public ImmutableArray<TelemetryField> FieldsByName { get; }

    /// <summary>The kind's tag field (the charger's circuit), if it has one.</summary>
    public TelemetryField? Tag { get; }

    /// <summary>The contract of a device kind; null for the edge box, which sends no telemetry.</summary>
    public static TelemetryContract? For(DeviceKind kind) => kind switch
    {
        DeviceKind.Camera => CameraTelemetry.Contract,
        DeviceKind.Light => LightTelemetry.Contract,
        DeviceKind.Elevator => ElevatorTelemetry.Contract,
        DeviceKind.Charger => ChargerTelemetry.Contract,
        _ => null,
    };

    /// <summary>
    /// The last known value of each field: the <paramref name="reading"/>'s, else the <paramref name="previous"/>
    /// one's (readings may carry only some fields). The reading itself when it carries every field known before.
    /// </summary>
    public T Merge<T>(T? previous, T reading)
        where T : DeviceTelemetry
    {
        if (previous is null || previous.Kind != Kind || reading.Kind != Kind)
        {
            return reading;
        }

        var values = new TelemetryValues { Ts = reading.Ts, Seq = reading.Seq };
        var carriesAll = true;
        foreach (var field in _fields)
        {
            var value = field.ValueOf(reading);
            if (!value.IsSet)
            {
                value = field.ValueOf(previous);
                carriesAll &= !value.IsSet;
            }

            values.Fields[field.Index] = value;
        }

        return carriesAll ? reading : (T)_create(values);
    }

    /// <summary>
    /// Writes the values a reading carries over <paramref name="known"/>, one slot per field by
    /// <see cref="TelemetryField.Index"/>: the same last known values as <see cref="Merge"/>, kept in place.
    /// </summary>
    public void Keep(DeviceTelemetry reading, Span<FieldValue> known)
    {
        if (reading.Kind != Kind)
        {
            return;
        }

        foreach (var field in _fields)
        {
            if (field.ValueOf(reading) is { IsSet: true } value)
            {
                known[field.Index] = value;
            }
        }
    }

    internal ReadOnlySpan<TelemetryField> FieldSpan => _fields.AsSpan();

    internal DeviceTelemetry Create(in TelemetryValues values) => _create(values);

    internal static Builder<T> Of<T>(DeviceKind kind)
        where T : DeviceTelemetry => new(kind);

    /// <summary>Declares a kind's fields one line each, the typed property of the record beside the wire rules.</summary>
    internal sealed class Builder<T>(DeviceKind kind)
        where T : DeviceTelemetry
    {
        private readonly List<TelemetryField> _fields = [];

        public Builder<T> Bool(string name, Func<T, bool?> get) =>
            Add(new(_fields.Count, name, FieldType.Bool, t => FieldValue.Of(get((T)t))));

        public Builder<T> Integer(string name, long min, long max, Func<T, long?> get) =>
            Add(new(_fields.Count, name, FieldType.Integer, t => FieldValue.Of(get((T)t))) { Min = min, Max = max });

        public Builder<T> Number(string name, double min, double max, string? unit, Func<T, double?> get) =>
            Add(new(_fields.Count, name, FieldType.Number, t => FieldValue.Of(get((T)t))) { Min = min, Max = max, Unit = unit });

        /// <summary>A text from a fixed list, stored as a tag; absent when the reading has none.</summary>
        public Builder<T> Tag(string name, int maxLength, IReadOnlyList<string> allowed, Func<T, string?> get) =>
            Add(new(_fields.Count, name, FieldType.Text, t => FieldValue.Of(get((T)t)))
            {
                MaxLength = maxLength, AllowedValues = allowed, Storage = FieldStorage.Tag,
            });

        /// <summary>A code such as a fault: a text, or null for "none"; stored with a bool field <paramref name="flag"/> saying whether there is one.</summary>
        public Builder<T> Code(string name, int maxLength, string flag, Func<T, bool> reported, Func<T, string?> get) =>
            Add(new(_fields.Count, name, FieldType.Text, t => !reported((T)t) ? FieldValue.Absent : get((T)t) is { } code ? FieldValue.Of(code) : FieldValue.Null)
            {
                MaxLength = maxLength, Nullable = true, Storage = FieldStorage.FieldWithFlag, FlagName = flag,
            });

        /// <param name="create">The record from its values, by field index in the order declared above.</param>
        public TelemetryContract Build(TelemetryFactory<T> create)
        {
            if (_fields.Count > MaxFields)
            {
                throw new InvalidOperationException($"{kind.ToWire()} declares {_fields.Count} fields, at most {MaxFields}");
            }

            return new TelemetryContract(kind, [.. _fields], create);
        }

        private Builder<T> Add(TelemetryField field)
        {
            _fields.Add(field);
            return this;
        }
    }
}
