using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.Hub.TimeSeries;

namespace RedProperty.Iot.Hub.Alerts;

/// <summary>Alert transitions as points of the <c>alerts</c> measurement (for dashboards and reports).</summary>
public static class AlertPoints
{
    public const string Measurement = "alerts";

    public static string Transition(Alert alert, string action, DateTimeOffset at) =>
        LineBuilder.Start(Measurement)
            .Tag("site", alert.Site)
            .Tag("zone", alert.Zone)
            .Tag("device", alert.DeviceId)
            .Tag("kind", alert.Kind.ToWire())
            .Tag("type", alert.Type.ToWire())
            .Tag("severity", alert.Severity.ToWire())
            .Tag("action", action)
            .Field("id", FieldValue.Of(alert.Id.ToString()))
            .Field("state", FieldValue.Of(alert.State.ToWire()))
            .Field("count", FieldValue.Of((long)alert.Count))
            .Field("secondsOpen", FieldValue.Of((at - alert.ActiveSince).TotalSeconds))
            .Finish(at.ToUnixTimeMilliseconds());
}
