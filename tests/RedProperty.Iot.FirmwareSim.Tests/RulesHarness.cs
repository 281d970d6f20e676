using System.Buffers;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Domain.Alerts.Rules;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.Domain.Registry;
using RedProperty.Iot.FirmwareSim.Scenarios;

namespace RedProperty.Iot.FirmwareSim.Tests;

/// <summary>
/// A scenario's traffic decoded by the hub's own decoder and run through the hub's own alert rules,
/// on a clock set to each message's simulated time: what the hub would raise, without the hub.
/// </summary>
internal static class RulesHarness
{
    /// <param name="RaisedAt">When each alert was first raised, as an offset from the scenario's start, in order.</param>
    public sealed record Outcome(IReadOnlyList<(string Device, AlertType Type)> Raised, int Messages, IReadOnlyList<string> Refused, IReadOnlyList<(string Device, AlertType Type, TimeSpan At)> RaisedAt);

    /// <param name="until">Only the traffic up to this offset (the whole scenario without it).</param>
    public static Outcome Run(Scenario scenario, TimeSpan? until = null)
    {
        var imported = RegistryImporter.Import(ScenarioRegistry.Build(scenario), _ => "not-a-real-hash", AlertThresholds.Defaults);
        Assert.True(imported.IsSuccess, string.Join("; ", imported.Errors));
        var registry = imported.Registry!;
        var time = new FakeTimeProvider(scenario.Start);
        var engine = new AlertRuleEngine(registry, ScopedThresholds.Defaults, new SolarDarkness(), time);
        var raised = new List<(string Device, AlertType Type, TimeSpan At)>();
        var refused = new List<string>();
        var timeline = TrafficTimeline.Build(scenario).Where(m => until is null || m.Offset <= until).ToArray();
        foreach (var message in timeline)
        {
            var at = scenario.Start + message.Offset;
            if (at > time.GetUtcNow())
            {
                time.SetUtcNow(at);
            }

            var device = registry.SitesById[message.Device.Site].Devices[message.Device.Id];
            var payload = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(message.Payload));
            IReadOnlyList<AlertSignal> signals = [];
            switch (message.Channel)
            {
                case DeviceChannel.Telemetry:
                    var telemetry = PayloadDecoder.DecodeTelemetry(device.Kind, payload);
                    if (telemetry.Value is null) refused.Add($"{message.Topic}: {telemetry.Rejection.Reason} {telemetry.Rejection.Detail}");
                    else signals = engine.OnTelemetry(device, telemetry.Value);
                    break;
                case DeviceChannel.Event:
                    var deviceEvent = PayloadDecoder.DecodeEvent(payload);
                    if (deviceEvent.Value is null) refused.Add($"{message.Topic}: {deviceEvent.Rejection.Reason} {deviceEvent.Rejection.Detail}");
                    else signals = engine.OnEvent(device, deviceEvent.Value);
                    break;
                case DeviceChannel.Status:
                    if (!PayloadDecoder.TryDecodeStatus(payload, out var status, out var rejection)) refused.Add($"{message.Topic}: {rejection.Reason}");
                    else signals = engine.OnStatus(device, status);
                    break;
            }

            raised.AddRange(signals.Concat(engine.Tick()).Where(s => s.Kind == AlertSignalKind.Raise).Select(s => ($"{s.Device.Site}/{s.Device.Id}", s.Type, message.Offset)));
        }

        var first = raised.DistinctBy(r => (r.Device, r.Type)).ToArray();
        return new Outcome(first.Select(r => (r.Device, r.Type)).ToArray(), timeline.Length, refused, first);
    }
}
