using System.Globalization;
using System.Text.RegularExpressions;
using MQTTnet.Protocol;
using RedProperty.Iot.Domain.Contract;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace RedProperty.Iot.FirmwareSim.Scenarios;

/// <summary>
/// Reads a scenario (YAML, format in docs/simulator.md) into a <see cref="Scenario"/>. Works on
/// YamlDotNet's node tree so every problem can name its line and field; all problems are reported at
/// once, in one <see cref="InvalidDataException"/>.
/// </summary>
public static partial class ScenarioReader
{
    private static readonly Dictionary<DeviceKind, TimeSpan> DefaultIntervals = new()
    {
        [DeviceKind.Camera] = TimeSpan.FromSeconds(120),
        [DeviceKind.Light] = TimeSpan.FromSeconds(300),
        [DeviceKind.Elevator] = TimeSpan.FromSeconds(30),
        [DeviceKind.Charger] = TimeSpan.FromSeconds(60),
    };

    public static Scenario Load(string path)
    {
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }

    public static Scenario Read(TextReader text, string name)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(text);
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"{name}:{e.Start.Line}: not valid YAML: {e.Message}");
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner gives up this way on some unterminated flow collections.
            throw new InvalidDataException($"{name}: not valid YAML (an unclosed [ or {{ ?)");
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new InvalidDataException($"{name}: a scenario is one YAML mapping (seed, start, duration, sites, incidents, ...)");
        }

        var context = new Context(name);
        var scenario = context.Scenario(root);
        if (context.Errors.Count > 0 || scenario is null)
        {
            throw new InvalidDataException($"{name} has {context.Errors.Count} problem(s):{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", context.Errors));
        }

        return scenario;
    }

    /// <summary>A duration such as <c>90s</c>, <c>15m</c>, <c>6h</c>, <c>1h30m</c>, <c>31d</c>, <c>3d21h40m</c> or plain seconds.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            duration = TimeSpan.FromSeconds(seconds);
            return seconds >= 0 && double.IsFinite(seconds);
        }

        var match = DurationPattern().Match(text);
        if (!match.Success || match.Length == 0)
        {
            return false;
        }

        double Part(string group) => match.Groups[group].Success ? double.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture) : 0;
        duration = TimeSpan.FromDays(Part("d")) + TimeSpan.FromHours(Part("h")) + TimeSpan.FromMinutes(Part("m")) + TimeSpan.FromSeconds(Part("s"));
        return true;
    }

    [GeneratedRegex(@"^(?:(?<d>\d+(?:\.\d+)?)d)?(?:(?<h>\d+(?:\.\d+)?)h)?(?:(?<m>\d+(?:\.\d+)?)m)?(?:(?<s>\d+(?:\.\d+)?)s)?$")]
    private static partial Regex DurationPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex IdPattern();

    private sealed class Context(string name)
    {
        public List<string> Errors { get; } = [];

        private void Error(YamlNode node, string field, string message) => Errors.Add($"line {node.Start.Line}: {field}: {message}");

        public Scenario? Scenario(YamlMappingNode root)
        {
            Known(root, "", "seed", "start", "duration", "speed", "intervals", "qos", "sites", "incidents");
            var seed = Int(root, "seed", "seed", 1, 0, int.MaxValue);
            var start = Required(root, "start", "start") is { } startNode ? Time(startNode, "start") : null;
            var duration = Required(root, "duration", "duration") is { } durationNode ? Duration(durationNode, "duration") : null;
            var pace = new Pace(1);
            if (Child(root, "speed") is { } speedNode && (!Pace.TryParse(Scalar(speedNode, "speed"), out pace)))
            {
                Error(speedNode, "speed", "a factor such as 60 (a minute per second) or max");
            }

            var intervals = new Dictionary<DeviceKind, TimeSpan>(DefaultIntervals);
            if (Child(root, "intervals") is { } intervalNode && Mapping(intervalNode, "intervals") is { } intervalMap)
            {
                foreach (var (keyNode, value) in intervalMap.Children)
                {
                    var key = ((YamlScalarNode)keyNode).Value;
                    if (!DeviceKinds.TryParse(key, out var kind))
                    {
                        Error(keyNode, $"intervals.{key}", "camera, light, elevator or charger");
                    }
                    else if (Duration(value, $"intervals.{key}") is { } interval)
                    {
                        if (interval < TimeSpan.FromSeconds(1)) Error(value, $"intervals.{key}", "at least 1 s");
                        else intervals[kind] = interval;
                    }
                }
            }

            var qos = new Dictionary<DeviceChannel, MqttQualityOfServiceLevel> { [DeviceChannel.Telemetry] = MqttQualityOfServiceLevel.AtLeastOnce, [DeviceChannel.Event] = MqttQualityOfServiceLevel.AtLeastOnce };
            if (Child(root, "qos") is { } qosNode && Mapping(qosNode, "qos") is { } qosMap)
            {
                Known(qosMap, "qos.", "telemetry", "event");
                if (Child(qosMap, "telemetry") is not null) qos[DeviceChannel.Telemetry] = (MqttQualityOfServiceLevel)Int(qosMap, "telemetry", "qos.telemetry", 1, 0, 1);
                // Events are discrete and must not be lost: the contract has them at QoS 1.
                if (Child(qosMap, "event") is not null) qos[DeviceChannel.Event] = (MqttQualityOfServiceLevel)Int(qosMap, "event", "qos.event", 1, 1, 1);
            }

            var sites = new List<SimSite>();
            if (Required(root, "sites", "sites") is { } sitesNode && Sequence(sitesNode, "sites") is { } siteList)
            {
                if (siteList.Children.Count == 0) Error(sitesNode, "sites", "at least one site");
                for (var i = 0; i < siteList.Children.Count; i++)
                {
                    if (Site(siteList.Children[i], $"sites[{i}]") is { } site)
                    {
                        if (sites.Any(s => s.Id == site.Id)) Error(siteList.Children[i], $"sites[{i}].id", $"'{site.Id}' twice");
                        sites.Add(site);
                    }
                }
            }

            var incidents = new List<Incident>();
            if (Child(root, "incidents") is { } incidentsNode && Sequence(incidentsNode, "incidents") is { } incidentList)
            {
                for (var i = 0; i < incidentList.Children.Count; i++)
                {
                    if (IncidentOf(incidentList.Children[i], $"incidents[{i}]", sites, start, duration) is { } incident)
                    {
                        incidents.Add(incident);
                    }
                }
            }

            return Errors.Count > 0 || start is null || duration is null
                ? null
                : new Scenario(seed, start.Value, duration.Value, pace, intervals, qos, sites, incidents.OrderBy(i => i.From).ToArray());
        }

        private SimSite? Site(YamlNode node, string path)
        {
            if (Mapping(node, path) is not { } map)
            {
                return null;
            }

            Known(map, path + ".", "id", "name", "timeZone", "latitude", "longitude", "grids", "buildings", "building", "zones");
            var id = IdOf(map, path);
            var siteName = Text(map, "name", path + ".name") ?? id ?? "?";
            var timeZone = Text(map, "timeZone", path + ".timeZone") ?? "Asia/Shanghai";
            if (Child(map, "timeZone") is { } tzNode && !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out _))
            {
                Error(tzNode, path + ".timeZone", $"'{timeZone}' is not a known time zone (IANA id such as Asia/Shanghai)");
            }

            var latitude = Number(map, "latitude", path + ".latitude", -90, 90);
            var longitude = Number(map, "longitude", path + ".longitude", -180, 180);
            var grids = Int(map, "grids", path + ".grids", 1, 1, 100);
            var buildings = Int(map, "buildings", path + ".buildings", 0, 0, 999);
            var perBuilding = (Lights: 1, Chargers: 1, Elevators: 1, CarCameras: 1);
            if (Child(map, "building") is { } buildingNode && Mapping(buildingNode, path + ".building") is { } building)
            {
                var b = path + ".building.";
                Known(building, b, "stairwellLights", "corridorChargers", "elevators", "carCameras");
                perBuilding = (Int(building, "stairwellLights", b + "stairwellLights", 1, 0, 20), Int(building, "corridorChargers", b + "corridorChargers", 1, 0, 20),
                    Int(building, "elevators", b + "elevators", 1, 0, 8), Int(building, "carCameras", b + "carCameras", 1, 0, 1));
            }

            if (id is null)
            {
                return null;
            }

            var zones = new List<SimZone>();
            var devices = new List<SimDevice>();
            for (var n = 1; n <= buildings; n++)
            {
                var zone = $"b{n:D2}";
                var grid = ((n - 1) % grids) + 1;
                zones.Add(new SimZone(zone, grids > 1 ? $"第{grid}网格 {n}栋" : $"{n}栋", "building"));
                for (var k = 1; k <= perBuilding.Lights; k++)
                {
                    devices.Add(new SimDevice(id, k == 1 ? $"{zone}-light" : $"{zone}-light-{k}", DeviceKind.Light, zone, k == 1 ? $"{n}栋楼梯间" : $"{n}栋楼梯间{k}", null, false));
                }

                for (var k = 1; k <= perBuilding.Chargers; k++)
                {
                    devices.Add(new SimDevice(id, k == 1 ? $"{zone}-chg" : $"{zone}-chg-{k}", DeviceKind.Charger, zone, k == 1 ? $"{n}栋走廊" : $"{n}栋走廊{k}", ChargerCircuit.Corridor, false));
                }

                for (var k = 0; k < perBuilding.Elevators; k++)
                {
                    var letter = (char)('a' + k);
                    var car = $"{zone}-lift-{letter}";
                    var carName = $"{n}栋{char.ToUpperInvariant(letter)}梯";
                    zones.Add(new SimZone(car, carName, "elevator-car"));
                    devices.Add(new SimDevice(id, car, DeviceKind.Elevator, car, carName, null, true));
                    if (perBuilding.CarCameras > 0)
                    {
                        devices.Add(new SimDevice(id, $"{zone}-cam-{letter}", DeviceKind.Camera, car, carName + "轿厢", null, true));
                    }
                }
            }

            if (Child(map, "zones") is { } zonesNode && Sequence(zonesNode, path + ".zones") is { } zoneList)
            {
                for (var i = 0; i < zoneList.Children.Count; i++)
                {
                    ExplicitZone(zoneList.Children[i], $"{path}.zones[{i}]", id, zones, devices);
                }
            }

            return new SimSite(id, siteName, timeZone, latitude, longitude, zones, devices);
        }

        private void ExplicitZone(YamlNode node, string path, string site, List<SimZone> zones, List<SimDevice> devices)
        {
            if (Mapping(node, path) is not { } map)
            {
                return;
            }

            Known(map, path + ".", "id", "name", "type", "devices");
            var id = IdOf(map, path);
            var zoneName = Text(map, "name", path + ".name") ?? id ?? "?";
            var type = Text(map, "type", path + ".type") ?? "area";
            if (id is null)
            {
                return;
            }

            if (zones.Any(z => z.Id == id))
            {
                Error(map, path + ".id", $"zone '{id}' exists already (buildings are b01, b02, ...)");
                return;
            }

            zones.Add(new SimZone(id, zoneName, type));
            if (Child(map, "devices") is not { } devicesNode || Mapping(devicesNode, path + ".devices") is not { } counts)
            {
                return;
            }

            foreach (var (keyNode, _) in counts.Children)
            {
                var key = ((YamlScalarNode)keyNode).Value;
                if (!DeviceKinds.TryParse(key, out var kind))
                {
                    Error(keyNode, $"{path}.devices.{key}", "camera, light, elevator or charger");
                    continue;
                }

                var count = Int(counts, key!, $"{path}.devices.{key}", 0, 0, 999);
                var circuit = kind != DeviceKind.Charger ? (ChargerCircuit?)null : type switch
                {
                    "car-park" => ChargerCircuit.Parking,
                    "corridor" => ChargerCircuit.Corridor,
                    "stairwell" => ChargerCircuit.Stairwell,
                    _ => ChargerCircuit.Station,
                };
                var shortName = kind switch { DeviceKind.Camera => "cam", DeviceKind.Light => "light", DeviceKind.Elevator => "lift", _ => "chg" };
                var label = kind switch { DeviceKind.Camera => "摄像头", DeviceKind.Light => "路灯", DeviceKind.Elevator => "电梯", _ => "充电桩" };
                for (var k = 1; k <= count; k++)
                {
                    devices.Add(new SimDevice(site, $"{id}-{shortName}-{k}", kind, id, $"{zoneName}{label}{k}", circuit, type == "elevator-car"));
                }
            }
        }

        private Incident? IncidentOf(YamlNode node, string path, List<SimSite> sites, DateTimeOffset? start, TimeSpan? duration)
        {
            if (Mapping(node, path) is not { } map)
            {
                return null;
            }

            Known(map, path + ".", "device", "failure", "at", "for");
            var deviceText = Text(map, "device", path + ".device", required: true);
            var failureText = Text(map, "failure", path + ".failure", required: true);
            var atNode = Required(map, "at", path + ".at");
            TimeSpan? length = Child(map, "for") is { } forNode ? Duration(forNode, path + ".for") : null;

            SimDevice? device = null;
            if (deviceText is not null)
            {
                var parts = deviceText.Split('/');
                var candidates = parts.Length == 2
                    ? sites.Where(s => s.Id == parts[0]).SelectMany(s => s.Devices).Where(d => d.Id == parts[1]).ToArray()
                    : sites.SelectMany(s => s.Devices).Where(d => d.Id == deviceText).ToArray();
                if (candidates.Length == 1) device = candidates[0];
                else Error(Child(map, "device")!, path + ".device", candidates.Length == 0 ? $"no device '{deviceText}' in the scenario" : $"'{deviceText}' is in several sites: write site/device");
            }

            Failure failure = default;
            if (failureText is not null && !Failures.TryParse(failureText, out failure))
            {
                Error(Child(map, "failure")!, path + ".failure", $"one of {string.Join(", ", Enum.GetValues<Failure>().Select(f => f.ToWire()))}");
            }
            else if (failureText is not null && device is not null && !failure.AppliesTo(device.Kind))
            {
                Error(Child(map, "failure")!, path + ".failure", $"{failureText} cannot happen to a {device.Kind.ToWire()}");
                device = null;
            }

            TimeSpan? from = null;
            if (atNode is not null && Scalar(atNode, path + ".at") is { } at && start is { } s && device is not null)
            {
                from = At(atNode, path + ".at", at, s, sites.First(x => x.Id == device.Site).TimeZone);
                if (from is { } f && duration is { } d && f >= d) Error(atNode, path + ".at", $"after the end of the scenario ({d})");
            }

            return device is null || failureText is null || from is null || Errors.Count > 0 ? null : new Incident(device.Site, device.Id, failure, from.Value, length);
        }

        /// <summary><c>+1h30m</c> from the start, or a time of day (the first after the start, in the site's time zone).</summary>
        private TimeSpan? At(YamlNode node, string field, string text, DateTimeOffset start, string timeZone)
        {
            if (text.StartsWith('+'))
            {
                if (TryParseDuration(text[1..], out var offset)) return offset;
                Error(node, field, "+ and a duration such as +1h30m, or a time of day such as 22:40");
                return null;
            }

            if (!TimeOnly.TryParseExact(text, ["H:mm", "HH:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            {
                Error(node, field, "a time of day such as 22:40, or + and a duration such as +1h30m");
                return null;
            }

            var zone = TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var z) ? z : TimeZoneInfo.Utc;
            var local = TimeZoneInfo.ConvertTime(start, zone);
            var candidate = new DateTimeOffset(local.Date + time.ToTimeSpan(), local.Offset);
            if (candidate < local) candidate = candidate.AddDays(1);
            return candidate - local;
        }

        private string? IdOf(YamlMappingNode map, string path)
        {
            var id = Text(map, "id", path + ".id", required: true);
            if (id is not null && !IdPattern().IsMatch(id))
            {
                Error(Child(map, "id")!, path + ".id", $"'{id}': lower-case letters, digits and dashes (topic-safe)");
                return null;
            }

            return id;
        }

        private void Known(YamlMappingNode map, string prefix, params string[] keys)
        {
            foreach (var (key, _) in map.Children)
            {
                var text = (key as YamlScalarNode)?.Value;
                if (text is null || !keys.Contains(text))
                {
                    Error(key, prefix + text, $"unknown field (expected one of {string.Join(", ", keys)})");
                }
            }
        }

        private static YamlNode? Child(YamlMappingNode map, string key) =>
            map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

        private YamlNode? Required(YamlMappingNode map, string key, string field)
        {
            var child = Child(map, key);
            if (child is null) Error(map, field, "required");
            return child;
        }

        private YamlMappingNode? Mapping(YamlNode node, string field)
        {
            if (node is YamlMappingNode map) return map;
            Error(node, field, "expected a mapping (key: value lines)");
            return null;
        }

        private YamlSequenceNode? Sequence(YamlNode node, string field)
        {
            if (node is YamlSequenceNode list) return list;
            if (node is YamlScalarNode { Value: null or "" }) return new YamlSequenceNode();
            Error(node, field, "expected a list (- items)");
            return null;
        }

        private string? Scalar(YamlNode node, string field)
        {
            if (node is YamlScalarNode { Value: { } value }) return value;
            Error(node, field, "expected a single value");
            return null;
        }

        private string? Text(YamlMappingNode map, string key, string field, bool required = false)
        {
            var child = required ? Required(map, key, field) : Child(map, key);
            return child is null ? null : Scalar(child, field);
        }

        private int Int(YamlMappingNode map, string key, string field, int fallback, int min, int max)
        {
            if (Child(map, key) is not { } node || Scalar(node, field) is not { } text) return fallback;
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max) return value;
            Error(node, field, $"'{text}': a whole number from {min} to {max}");
            return fallback;
        }

        private double? Number(YamlMappingNode map, string key, string field, double min, double max)
        {
            if (Child(map, key) is not { } node || Scalar(node, field) is not { } text) return null;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max) return value;
            Error(node, field, $"'{text}': a number from {min} to {max}");
            return null;
        }

        private TimeSpan? Duration(YamlNode node, string field)
        {
            if (Scalar(node, field) is not { } text) return null;
            if (TryParseDuration(text, out var duration) && duration > TimeSpan.Zero) return duration;
            Error(node, field, $"'{text}': a duration such as 90s, 15m, 6h or 1h30m");
            return null;
        }

        private DateTimeOffset? Time(YamlNode node, string field)
        {
            if (Scalar(node, field) is not { } text) return null;
            if (text == "now") return DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) && (text.EndsWith('Z') || text.Contains('+') || text.LastIndexOf('-') > 9)) return time;
            Error(node, field, $"'{text}': a date and time with its offset, such as 2026-11-28T19:00:00+08:00, or now");
            return null;
        }

        public override string ToString() => name;
    }
}
