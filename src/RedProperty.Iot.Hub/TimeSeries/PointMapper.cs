using InfluxDB.Client.Api.Domain;
using InfluxDB.Client.Writes;
using RedProperty.Iot.Contract;
using RedProperty.Iot.Registry;

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

    public static string Telemetry(Device device, DeviceTelemetry telemetry, ChargerCircuit? circuit, long timestampMs)
    {
        var point = Start(telemetry.Kind.ToWire(), device);
        switch (telemetry)
        {
            case CameraTelemetry c:
                Add(point, "online", c.Online);
                Add(point, "motion", c.Motion);
                Add(point, "persons", c.Persons);
                Add(point, "ebike", c.Ebike);
                Add(point, "tamper", c.Tamper);
                Add(point, "fps", c.Fps);
                break;
            case LightTelemetry l:
                Add(point, "on", l.On);
                Add(point, "lux", l.Lux);
                Add(point, "currentA", l.CurrentA);
                Add(point, "voltageV", l.VoltageV);
                break;
            case ElevatorTelemetry e:
                Add(point, "floor", e.Floor);
                Add(point, "doorOpen", e.DoorOpen);
                Add(point, "running", e.Running);
                Add(point, "occupied", e.Occupied);
                if (e.FaultReported)
                {
                    // A string field cannot be null: "" means "no fault"; faulted makes it countable in InfluxQL.
                    point.Field("fault", e.Fault ?? string.Empty);
                    point.Field("faulted", e.Fault is not null);
                }

                Add(point, "speedMps", e.SpeedMps);
                break;
            case ChargerTelemetry ch:
                if (circuit is { } known)
                {
                    point.Tag("circuit", known.ToWire());
                }

                Add(point, "currentA", ch.CurrentA);
                Add(point, "voltageV", ch.VoltageV);
                Add(point, "powerW", ch.PowerW);
                Add(point, "tempC", ch.TempC);
                Add(point, "plugged", ch.Plugged);
                Add(point, "smoke", ch.Smoke);
                break;
        }

        Add(point, "seq", telemetry.Seq);
        return Finish(point, timestampMs);
    }

    public static string Event(Device device, DeviceEvent deviceEvent, long timestampMs)
    {
        var point = Start(EventsMeasurement, device)
            .Tag("kind", device.Kind.ToWire())
            .Tag("type", deviceEvent.Type)
            .Field("count", 1L);
        Add(point, "confidence", deviceEvent.Confidence);
        foreach (var (name, value) in deviceEvent.Attributes)
        {
            switch (value)
            {
                case double d: point.Field(name, d); break;
                case bool b: point.Field(name, b); break;
                case string s: point.Field(name, s); break;
            }
        }

        Add(point, "seq", deviceEvent.Seq);
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

    private static void Add(PointData.Builder point, string name, bool? value)
    {
        if (value is { } v)
        {
            point.Field(name, v);
        }
    }

    private static void Add(PointData.Builder point, string name, long? value)
    {
        if (value is { } v)
        {
            point.Field(name, v);
        }
    }

    private static void Add(PointData.Builder point, string name, double? value)
    {
        if (value is { } v)
        {
            point.Field(name, v);
        }
    }
}
