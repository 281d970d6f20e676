using Microsoft.Extensions.Time.Testing;
using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Domain.Alerts.Rules;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.Domain.Registry;

namespace RedProperty.Iot.Domain.Tests.Alerts;

/// <summary>A small compound and a rule engine on a fake clock.</summary>
internal sealed class RuleTestBed
{
    public RuleTestBed(bool dark = true, IThresholdSource? thresholds = null)
    {
        var zones = new Dictionary<string, Zone>
        {
            ["grid-1"] = new("grid-1", "第一网格", "area"),
            ["lift-1"] = new("lift-1", "1栋A梯", Zone.ElevatorCarType),
        };
        Device Make(string id, DeviceKind kind, string zone, ChargerCircuit? circuit = null) => new("s1", id, kind, zone, null, "hash", 30, null, circuit);
        var devices = new[]
        {
            Make("corr", DeviceKind.Charger, "grid-1", ChargerCircuit.Corridor),
            Make("stair", DeviceKind.Charger, "grid-1", ChargerCircuit.Stairwell),
            Make("park", DeviceKind.Charger, "grid-1", ChargerCircuit.Parking),
            Make("station", DeviceKind.Charger, "grid-1", ChargerCircuit.Station),
            Make("lamp", DeviceKind.Light, "grid-1"),
            Make("lift", DeviceKind.Elevator, "lift-1"),
            Make("cam-car", DeviceKind.Camera, "lift-1"),
            Make("cam-gate", DeviceKind.Camera, "grid-1"),
        }.ToDictionary(d => d.Id);
        Registry = new DeviceRegistry([new Site("s1", "测试", TimeZoneInfo.Utc, 28.11, 113.01, zones, devices)]);
        Darkness = new FixedDarkness { Dark = dark };
        Engine = new AlertRuleEngine(Registry, thresholds ?? ScopedThresholds.Defaults, Darkness, Time);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));

    public DeviceRegistry Registry { get; }

    public FixedDarkness Darkness { get; }

    public AlertRuleEngine Engine { get; }

    public Device Device(string id) => Registry.SitesById["s1"].Devices[id];

    public IReadOnlyList<AlertSignal> Send(string id, DeviceTelemetry telemetry) => Engine.OnTelemetry(Device(id), telemetry);

    /// <summary>Advances the clock, then sends the reading.</summary>
    public IReadOnlyList<AlertSignal> After(int seconds, string id, DeviceTelemetry telemetry)
    {
        Time.Advance(TimeSpan.FromSeconds(seconds));
        return Send(id, telemetry);
    }

    internal sealed class FixedDarkness : ISiteDarkness
    {
        public bool Dark { get; set; }

        public bool IsDark(Site site, DateTimeOffset at) => Dark;
    }
}

internal static class SignalAssertions
{
    public static AlertSignal Raised(this IReadOnlyList<AlertSignal> signals, AlertType type)
    {
        var signal = Assert.Single(signals, s => s.Type == type);
        Assert.Equal(AlertSignalKind.Raise, signal.Kind);
        return signal;
    }

    public static AlertSignal Cleared(this IReadOnlyList<AlertSignal> signals, AlertType type)
    {
        var signal = Assert.Single(signals, s => s.Type == type);
        Assert.Equal(AlertSignalKind.Clear, signal.Kind);
        return signal;
    }

    public static void Nothing(this IReadOnlyList<AlertSignal> signals, AlertType type) =>
        Assert.DoesNotContain(signals, s => s.Type == type);
}
