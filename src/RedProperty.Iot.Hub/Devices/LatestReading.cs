using System.Text.Json.Nodes;

namespace RedProperty.Iot.Hub.Devices;

/// <summary>
/// A device's latest reading as the desk shows it beside an alert: the last known value of each field
/// (readings may carry only some, as the rules see them) with the contract's field names, and when the
/// last reading arrived.
/// </summary>
public sealed record DeviceReadingView(DateTimeOffset At, JsonObject Values);

/// <summary>The last known value of each telemetry field of one device. Not thread-safe: <see cref="DeviceState"/> locks it.</summary>
internal sealed class LatestReading
{
    // One slot per field of the device's kind, overwritten in place: nothing allocated per reading.
    private readonly FieldValue[] _known = new FieldValue[TelemetryContract.MaxFields];
    private TelemetryContract? _contract;
    private DateTimeOffset? _at;

    public void Merge(DeviceTelemetry telemetry, DateTimeOffset at)
    {
        _at = at;
        _contract ??= TelemetryContract.For(telemetry.Kind);
        _contract?.Keep(telemetry, _known);
    }

    /// <summary>A fresh copy for a view (JSON nodes belong to one parent), or null before the first reading.</summary>
    public DeviceReadingView? View()
    {
        if (_at is not { } at)
        {
            return null;
        }

        var values = new JsonObject();
        if (_contract is { } contract)
        {
            foreach (var field in contract.FieldsByName)
            {
                var value = _known[field.Index];
                if (value.IsSet)
                {
                    values[field.Name] = Json(value);
                }
            }
        }

        return new DeviceReadingView(at, values);
    }

    private static JsonValue? Json(FieldValue value) => value.Kind switch
    {
        FieldValueKind.Bool => JsonValue.Create(value.Bool!.Value),
        FieldValueKind.Integer => JsonValue.Create(value.Integer!.Value),
        FieldValueKind.Number => JsonValue.Create(value.Number!.Value),
        FieldValueKind.Text => JsonValue.Create(value.Text),

        // "fault": null means no fault: a known value, unlike a reading that says nothing about it.
        _ => null,
    };
}
