using System.IO.Hashing;
using System.Text;
using MQTTnet.Protocol;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.Domain.TimeSeries;
using RedProperty.Iot.FirmwareSim.Behaviour;

namespace RedProperty.Iot.FirmwareSim.Scenarios;

/// <summary>
/// One message a simulated device sends, at an offset of simulated time from the scenario's start.
/// <see cref="IsWill"/> marks the <c>offline</c> the broker publishes for a device that drops off.
/// </summary>
public sealed record SimMessage(TimeSpan Offset, SimDevice Device, DeviceChannel Channel, string Payload, MqttQualityOfServiceLevel Qos, bool Retain, bool IsWill = false)
{
    public string Topic => DeviceTopic.Format(Device.Site, Device.Kind, Device.Id, Channel);
}

/// <summary>
/// Turns a scenario into the ordered traffic of all its devices: a retained <c>online</c> birth,
/// telemetry every interval (each device at its own phase), events when failures start, the last
/// will and a new birth around an outage. Pure and deterministic: same scenario and seed, same traffic.
/// </summary>
public static class TrafficTimeline
{
    public static IReadOnlyList<SimMessage> Build(Scenario scenario)
    {
        var messages = new List<SimMessage>();
        foreach (var site in scenario.Sites)
        {
            foreach (var device in site.Devices)
            {
                messages.AddRange(ForDevice(scenario, site, device));
            }
        }

        // Stable order: by time, then by device, then as each device produced them.
        return messages
            .Select((m, i) => (m, i))
            .OrderBy(x => x.m.Offset)
            .ThenBy(x => x.m.Device.Site, StringComparer.Ordinal)
            .ThenBy(x => x.m.Device.Id, StringComparer.Ordinal)
            .ThenBy(x => x.i)
            .Select(x => x.m)
            .ToArray();
    }

    /// <summary>The random generator of one device: from the scenario's seed and the device's name only.</summary>
    public static Random RandomFor(int seed, SimDevice device) =>
        new((int)XxHash32.HashToUInt32(Encoding.UTF8.GetBytes($"{seed}/{device.Site}/{device.Id}")));

    private static List<SimMessage> ForDevice(Scenario scenario, SimSite site, SimDevice device)
    {
        var random = RandomFor(scenario.Seed, device);
        var behaviour = DeviceBehaviour.For(device, site, random);
        var interval = scenario.IntervalOf(device.Kind);
        var incidents = scenario.Incidents.Where(i => i.Site == device.Site && i.DeviceId == device.Id).ToArray();
        var telemetryQos = scenario.Qos[DeviceChannel.Telemetry];
        var eventQos = scenario.Qos[DeviceChannel.Event];
        var timestamps = new UniqueTimestamps();
        var seq = 0L;
        var messages = new List<SimMessage>();

        long Ts(TimeSpan offset) => timestamps.Next((scenario.Start + offset).ToUnixTimeMilliseconds());

        // Devices come up within the first few seconds, then report at their own phase of the interval.
        var birth = TimeSpan.FromMilliseconds(random.Next(0, 5000));
        messages.Add(new SimMessage(birth, device, DeviceChannel.Status, "online", MqttQualityOfServiceLevel.AtLeastOnce, Retain: true));
        var phase = birth + TimeSpan.FromMilliseconds(random.NextDouble() * Math.Min(interval.TotalMilliseconds, 60_000));

        var started = new HashSet<Incident>();
        var offline = false;
        for (var at = phase; at < scenario.Duration; at += interval)
        {
            foreach (var incident in incidents.Where(i => !started.Contains(i) && i.From <= at))
            {
                started.Add(incident);
                if (incident.Failure == Failure.Offline)
                {
                    continue;
                }

                foreach (var payload in behaviour.EventsOnStart(incident.Failure))
                {
                    var json = payload.TrimEnd('}') + $",\"seq\":{++seq},\"ts\":{Ts(incident.From)}}}";
                    messages.Add(new SimMessage(incident.From, device, DeviceChannel.Event, json, eventQos, Retain: false));
                }
            }

            var active = incidents.Where(i => i.IsActive(at)).Select(i => i.Failure).ToHashSet();
            var wasOffline = offline;
            offline = active.Contains(Failure.Offline);
            if (offline && !wasOffline)
            {
                var outage = incidents.First(i => i.Failure == Failure.Offline && i.IsActive(at));
                messages.Add(new SimMessage(outage.From, device, DeviceChannel.Status, "offline", MqttQualityOfServiceLevel.AtLeastOnce, Retain: true, IsWill: true));
            }
            else if (!offline && wasOffline)
            {
                messages.Add(new SimMessage(at, device, DeviceChannel.Status, "online", MqttQualityOfServiceLevel.AtLeastOnce, Retain: true));
            }

            if (offline)
            {
                continue;
            }

            var fields = behaviour.Telemetry(scenario.Start + at, active);
            messages.Add(new SimMessage(at, device, DeviceChannel.Telemetry, DeviceBehaviour.Json(fields, ++seq, Ts(at)), telemetryQos, Retain: false));
        }

        return messages;
    }
}
