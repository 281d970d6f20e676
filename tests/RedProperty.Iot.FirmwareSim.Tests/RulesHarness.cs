using System.Buffers;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using RedProperty.Iot.Alerts;
using RedProperty.Iot.Alerts.Rules;
using RedProperty.Iot.Contract;
using RedProperty.Iot.FirmwareSim.Scenarios;
using RedProperty.Iot.Registry;

namespace RedProperty.Iot.FirmwareSim.Tests;

/// <summary>
/// A scenario's traffic decoded by the hub's own decoder and run through the hub's own alert rules,
/// on a clock set to each message's simulated time: what the hub would raise, without the hub.
/// </summary>
internal static class RulesHarness
{
    public sealed record Outcome(IReadOnlyList<(string Device, AlertType Type)> Raised, int Messages, IReadOnlyList<string> Refused);

    public static Outcome Run(Scenario scenario)
    {
        var imported = RegistryImporter.Import(ScenarioRegistry.Build(scenario), _ => "not-a-real-hash");
        Assert.True(imported.IsSuccess, string.Join("; ", imported.Errors));
        var registry = imported.Registry!;
        var time = new FakeTimeProvider(scenario.Start);
        var engine = new AlertRuleEngine(registry, ThresholdCatalog.Defaults, new SolarDarkness(), time);
        var raised = new List<(string, AlertType)>();
        var refused = new List<string>();
        var timeline = TrafficTimeline.Build(scenario);
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

            raised.AddRange(signals.Concat(engine.Tick()).Where(s => s.Kind == AlertSignalKind.Raise).Select(s => ($"{s.Device.Site}/{s.Device.Id}", s.Type)));
        }

        return new Outcome(raised.Distinct().ToArray(), timeline.Count, refused);
    }
}
