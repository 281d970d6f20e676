using System.Buffers;
using System.Globalization;
using System.Text;
using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Domain.Alerts.Rules;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.Domain.Registry;

namespace RedProperty.Iot.FirmwareSim.Scenarios;

/// <summary>One scripted incident as a person watching the desk meets it: where, what happens, what the desk shows and when.</summary>
public sealed record PlannedIncident(Incident Incident, SimDevice Device, AlertType? Alert, TimeSpan? AlertAt);

/// <summary>
/// What a scenario's incidents will look like on the desk: the scenario's traffic run through the
/// hub's own decoder and alert rules (default thresholds, the hub's darkness) on a clock set to each
/// message's simulated time, so "the desk shows it a minute later" comes from the rules, not a guess.
/// </summary>
public static class IncidentPlan
{
    /// <summary>How long after an incident starts its alert is looked for.</summary>
    private static readonly TimeSpan Horizon = TimeSpan.FromMinutes(30);

    public static IReadOnlyList<PlannedIncident> Of(Scenario scenario)
    {
        var incidents = scenario.Incidents.OrderBy(i => i.From).ToArray();
        if (incidents.Length == 0)
        {
            return [];
        }

        var imported = RegistryImporter.Import(ScenarioRegistry.Build(scenario), static _ => "not-a-secret", AlertThresholds.Defaults);
        if (!imported.IsSuccess)
        {
            throw new InvalidDataException("the scenario's compound is not a valid registry: " + string.Join("; ", imported.Errors));
        }

        var registry = imported.Registry!;
        var clock = new SteppedClock(scenario.Start);
        var engine = new AlertRuleEngine(registry, ScopedThresholds.Defaults, new SolarDarkness(), clock);
        var firstRaised = new Dictionary<(string Site, string Device), List<(AlertType Type, TimeSpan At)>>();
        var until = incidents[^1].From + Horizon;
        foreach (var message in TrafficTimeline.Build(scenario).TakeWhile(m => m.Offset <= until))
        {
            clock.MoveTo(scenario.Start + message.Offset);
            var device = registry.SitesById[message.Device.Site].Devices[message.Device.Id];
            foreach (var signal in Signals(engine, device, message).Concat(engine.Tick()).Where(s => s.Kind == AlertSignalKind.Raise))
            {
                var key = (signal.Device.Site, signal.Device.Id);
                if (!firstRaised.TryGetValue(key, out var raised))
                {
                    firstRaised[key] = raised = [];
                }

                raised.Add((signal.Type, message.Offset));
            }
        }

        var devices = scenario.Devices.ToDictionary(d => (d.Site, d.Id));
        return incidents.Select(incident =>
        {
            var raised = firstRaised.GetValueOrDefault((incident.Site, incident.DeviceId))?
                .Where(r => r.At >= incident.From && r.At <= incident.From + Horizon)
                .OrderBy(r => r.At)
                .Select(r => ((AlertType, TimeSpan)?)r)
                .FirstOrDefault();
            return new PlannedIncident(incident, devices[(incident.Site, incident.DeviceId)], raised?.Item1, raised?.Item2);
        }).ToArray();
    }

    /// <summary>The plan in words, counted from when the devices are up (the scenario's start).</summary>
    public static void Write(IReadOnlyList<PlannedIncident> plan, Pace pace, TextWriter output)
    {
        if (pace.Speed != 1)
        {
            output.WriteLine($"(Times are simulated; `run` plays them at {pace}.)");
        }

        if (plan.Count == 0)
        {
            output.WriteLine("No incidents are scripted: the devices only report their normal readings.");
            return;
        }

        var first = plan.Where(p => p.AlertAt is not null).MinBy(p => p.AlertAt);
        output.WriteLine(first is null
            ? "None of the scripted incidents raises an alert."
            : $"First alert on the desk in about {Span(first.AlertAt!.Value)}. What happens, counted from when the devices are up:");
        foreach (var planned in plan)
        {
            var what = new StringBuilder($"  {"+" + Span(planned.Incident.From),-8} {planned.Device.Location} ({planned.Device.Id}): {Describe(planned.Incident.Failure, planned.Device)}");
            if (planned.Incident.For is { } length)
            {
                what.Append(CultureInfo.InvariantCulture, $" for {Span(length)}");
            }

            what.Append(planned.Alert is { } alert
                ? $" → desk: {alert.ToWire().Replace('_', ' ')} {Delay(planned.AlertAt!.Value - planned.Incident.From)}"
                : " → desk: no alert");
            output.WriteLine(what.ToString());
        }
    }

    private static IReadOnlyList<AlertSignal> Signals(AlertRuleEngine engine, Device device, SimMessage message)
    {
        var payload = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(message.Payload));
        switch (message.Channel)
        {
            case DeviceChannel.Telemetry when PayloadDecoder.DecodeTelemetry(device.Kind, payload).Value is { } telemetry:
                return engine.OnTelemetry(device, telemetry);
            case DeviceChannel.Event when PayloadDecoder.DecodeEvent(payload).Value is { } deviceEvent:
                return engine.OnEvent(device, deviceEvent);
            case DeviceChannel.Status when PayloadDecoder.TryDecodeStatus(payload, out var status, out _):
                return engine.OnStatus(device, status);
            default:
                return [];
        }
    }

    private static string Describe(Failure failure, SimDevice device) => failure switch
    {
        Failure.DeadLamp => "the lamp goes dark",
        Failure.Flicker => "the lamp flickers",
        Failure.StuckOn => "the lamp stays on in daylight",
        Failure.Fault => "the elevator stops with a fault",
        Failure.Entrapment => "the car stops between floors with someone inside",
        Failure.AlarmButton => "someone presses the alarm button in the car",
        Failure.FlyingWire => $"an e-bike charges from the {device.Circuit?.ToWire() ?? "building"} circuit",
        Failure.UnpluggedDraw => "the parking circuit draws current with no plug in",
        Failure.Overheat => "the charger overheats",
        Failure.Smoke => "the charger gives off smoke",
        Failure.Tamper => "the camera is covered",
        Failure.Ebike => "an e-bike is wheeled into the car",
        Failure.Offline => "the device drops off the network",
        _ => failure.ToWire(),
    };

    private static string Delay(TimeSpan delay) =>
        delay < TimeSpan.FromSeconds(5) ? "at once" : $"about {Span(delay)} later";

    /// <summary>45 s, 75 s, 1 min, 20 min, 6 h: seconds (to 5 s) below two minutes unless a whole minute.</summary>
    private static string Span(TimeSpan length)
    {
        var seconds = (int)Math.Round(length.TotalSeconds / 5) * 5;
        return seconds < 120 && seconds % 60 != 0 ? $"{seconds} s"
            : length < TimeSpan.FromHours(2) ? $"{(int)Math.Round(length.TotalMinutes)} min"
            : string.Create(CultureInfo.InvariantCulture, $"{length.TotalHours:0.#} h");
    }

    /// <summary>The rules' clock, moved forward to each message's simulated time.</summary>
    private sealed class SteppedClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public void MoveTo(DateTimeOffset at)
        {
            if (at > _now)
            {
                _now = at;
            }
        }

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
