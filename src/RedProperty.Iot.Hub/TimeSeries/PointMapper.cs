using InfluxDB.Client.Api.Domain;
using InfluxDB.Client.Writes;

namespace RedProperty.Iot.Hub.TimeSeries;

/// <summary>
/// Maps decoded device messages to InfluxDB line protocol (millisecond precision): one measurement
/// per kind, tags <c>site</c>, <c>zone</c>, <c>device</c> (and <c>circuit</c> for chargers).
/// Escaping is InfluxDB.Client's; values it cannot carry never get this far (topic and registry checks).
/// </summary>
public static class PointMapper
{
    public const string EventsMeasurement = "events";

    public const string StatusMeasurement = "device_status";

    /// <summary>
    /// A reading as its kind's contract declares it (<see cref="TelemetryContract"/>): one field per value the
    /// reading carries, under its wire name. <paramref name="circuit"/> is the charger's circuit tag, the
    /// reading's or else the registry's.
    /// </summary>
    public static string Telemetry(Device device, DeviceTelemetry telemetry, ChargerCircuit? circuit, long timestampMs)
    {
        var point = Start(telemetry.Kind.ToWire(), device);
        foreach (var field in TelemetryContract.For(telemetry.Kind)?.Fields ?? [])
        {
            var value = field.ValueOf(telemetry);
            switch (field.Storage)
            {
                case FieldStorage.Tag:
                    if (circuit is { } known)
                    {
                        point.Tag(field.Name, known.ToWire());
                    }

                    break;
                case FieldStorage.FieldWithFlag when value.IsSet:
                    // A string field cannot be null: "" means "none"; the flag makes it countable in InfluxQL.
                    point.Field(field.Name, value.Text ?? string.Empty);
                    point.Field(field.FlagName!, value.Text is not null);
                    break;
                default:
                    Add(point, field.Name, value);
                    break;
            }
        }

        Add(point, "seq", FieldValue.Of(telemetry.Seq));
        return Finish(point, timestampMs);
    }

    public static string Event(Device device, DeviceEvent deviceEvent, long timestampMs)
    {
        var point = Start(EventsMeasurement, device)
            .Tag("kind", device.Kind.ToWire())
            .Tag("type", deviceEvent.Type)
            .Field("count", 1L);
        Add(point, "confidence", FieldValue.Of(deviceEvent.Confidence));
        foreach (var (name, value) in deviceEvent.Attributes)
        {
            switch (value)
            {
                case double d: point.Field(name, d); break;
                case bool b: point.Field(name, b); break;
                case string s: point.Field(name, s); break;
            }
        }

        Add(point, "seq", FieldValue.Of(deviceEvent.Seq));
        return Finish(point, timestampMs);
    }

    public static string Status(Device device, DeviceStatus status, long timestampMs) =>
        Finish(Start(StatusMeasurement, device).Tag("kind", device.Kind.ToWire()).Field("online", status == DeviceStatus.Online), timestampMs);

    private static PointData.Builder Start(string measurement, Device device) =>
        PointData.Builder.Measurement(measurement)
            .Tag("site", device.Site)
            .Tag("zone", device.Zone)
            .Tag("device", device.Id);

    private static string Finish(PointData.Builder point, long timestampMs) =>
        point.Timestamp(timestampMs, WritePrecision.Ms).ToPointData().ToLineProtocol();

    private static void Add(PointData.Builder point, string name, FieldValue value)
    {
        switch (value.Kind)
        {
            case FieldValueKind.Bool: point.Field(name, value.Bool!.Value); break;
            case FieldValueKind.Integer: point.Field(name, value.Integer!.Value); break;
            case FieldValueKind.Number: point.Field(name, value.Number!.Value); break;
            case FieldValueKind.Text: point.Field(name, value.Text); break;
        }
    }
}
