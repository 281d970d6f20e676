using System.Runtime.CompilerServices;

namespace RedProperty.Iot.Domain.Contract;

/// <summary>One slot per declared field, on the stack: no allocation while a payload is read.</summary>
[InlineArray(TelemetryContract.MaxFields)]
internal struct FieldSlots
{
    private FieldValue _first;
}

/// <summary>The values of one reading, by field index, from which a kind's record is built.</summary>
internal struct TelemetryValues
{
    public FieldSlots Fields;

    public long? Ts { get; set; }

    public long? Seq { get; set; }

    public readonly bool IsSet(int index) => Fields[index].IsSet;

    public readonly bool? Bool(int index) => Fields[index].Bool;

    public readonly long? Integer(int index) => Fields[index].Integer;

    public readonly double? Number(int index) => Fields[index].Number;

    public readonly string? Text(int index) => Fields[index].Text;
}

/// <summary>Builds a kind's record from the values read for its fields.</summary>
internal delegate T TelemetryFactory<out T>(in TelemetryValues values)
    where T : DeviceTelemetry;
