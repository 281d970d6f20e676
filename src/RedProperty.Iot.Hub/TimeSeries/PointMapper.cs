namespace RedProperty.Iot.Hub.TimeSeries;

/// <summary>
/// Maps decoded device messages to InfluxDB line protocol (millisecond precision): one measurement
/// per kind, tags <c>site</c>, <c>zone</c>, <c>device</c> (and <c>circuit</c> for chargers).
/// Written by <see cref="LineBuilder"/> exactly as InfluxDB.Client would; values line protocol cannot carry never get this far (topic and registry checks).
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
    public static string Telemetry(Device device, DeviceTelemetry telemetry, ChargerCircuit? circuit, long timestampMs) =>
        TelemetryPoint(device, telemetry, circuit).Finish(timestampMs);

    /// <summary>The point of <see cref="Telemetry"/>, not finished yet: the ingest path writes it straight into its journal record.</summary>
    internal static LineBuilder TelemetryPoint(Device device, DeviceTelemetry telemetry, ChargerCircuit? circuit)
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
                    point.Field(field.Name, FieldValue.Of(value.Text ?? string.Empty));
                    point.Field(field.FlagName!, FieldValue.Of(value.Text is not null));
                    break;
                default:
                    point.Field(field.Name, value);
                    break;
            }
        }

        return point.Field("seq", FieldValue.Of(telemetry.Seq));
    }

    public static string Event(Device device, DeviceEvent deviceEvent, long timestampMs) => EventPoint(device, deviceEvent).Finish(timestampMs);

    internal static LineBuilder EventPoint(Device device, DeviceEvent deviceEvent)
    {
        var point = Start(EventsMeasurement, device)
            .Tag("kind", device.Kind.ToWire())
            .Tag("type", deviceEvent.Type)
            .Field("count", FieldValue.Of(1L))
            .Field("confidence", FieldValue.Of(deviceEvent.Confidence));
        foreach (var (name, value) in deviceEvent.Attributes)
        {
            switch (value)
            {
                case double d: point.Field(name, FieldValue.Of(d)); break;
                case bool b: point.Field(name, FieldValue.Of(b)); break;
                case string s: point.Field(name, FieldValue.Of(s)); break;
            }
        }

        return point.Field("seq", FieldValue.Of(deviceEvent.Seq));
    }

    public static string Status(Device device, DeviceStatus status, long timestampMs) => StatusPoint(device, status).Finish(timestampMs);

    internal static LineBuilder StatusPoint(Device device, DeviceStatus status) =>
        Start(StatusMeasurement, device).Tag("kind", device.Kind.ToWire()).Field("online", FieldValue.Of(status == DeviceStatus.Online));

    private static LineBuilder Start(string measurement, Device device) =>
        LineBuilder.Start(measurement)
            .Tag("site", device.Site)
            .Tag("zone", device.Zone)
            .Tag("device", device.Id);
}
