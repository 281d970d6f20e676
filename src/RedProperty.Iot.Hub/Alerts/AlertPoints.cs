using InfluxDB.Client.Api.Domain;
using InfluxDB.Client.Writes;

namespace RedProperty.Iot.Hub.Alerts;

/// <summary>Alert transitions as points of the <c>alerts</c> measurement (for dashboards and reports).</summary>
public static class AlertPoints
{
    public const string Measurement = "alerts";

    public static string Transition(Alert alert, string action, DateTimeOffset at) =>
        PointData.Builder.Measurement(Measurement)
            .Tag("site", alert.Site)
            .Tag("zone", alert.Zone)
            .Tag("device", alert.DeviceId)
            .Tag("kind", alert.Kind.ToWire())
            .Tag("type", alert.Type.ToWire())
            .Tag("severity", alert.Severity.ToWire())
            .Tag("action", action)
            .Field("id", alert.Id.ToString())
            .Field("state", alert.State.ToWire())
            .Field("count", (long)alert.Count)
            .Field("secondsOpen", (at - alert.ActiveSince).TotalSeconds)
            .Timestamp(at.ToUnixTimeMilliseconds(), WritePrecision.Ms)
            .ToPointData()
            .ToLineProtocol();
}
