using System.Globalization;
using System.Text;
using RedProperty.Iot.Domain.Contract;

namespace RedProperty.Iot.Domain.Alerts;

/// <summary>What kind of value a fact holds, so that a screen can write it in its own language.</summary>
public enum FactValueType
{
    /// <summary>A measured number with its unit (A, °C, lx).</summary>
    Quantity,

    /// <summary>A length of time, in whole seconds.</summary>
    Duration,

    /// <summary>How many (readings).</summary>
    Count,

    /// <summary>A share between 0 and 1 (a detection's confidence).</summary>
    Ratio,

    /// <summary>A charging circuit (its wire name: station, parking, corridor, stairwell), translated by the screen.</summary>
    Circuit,

    /// <summary>A code from the device (an elevator controller's fault code), shown as it is.</summary>
    Code,

    /// <summary>Technical text from a tool or device (ffmpeg's answer), shown as it is.</summary>
    Text,
}

public static class FactValueTypes
{
    public static string ToWire(this FactValueType type) => type switch
    {
        FactValueType.Quantity => "quantity",
        FactValueType.Duration => "duration",
        FactValueType.Count => "count",
        FactValueType.Ratio => "ratio",
        FactValueType.Circuit => "circuit",
        FactValueType.Code => "code",
        FactValueType.Text => "text",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static bool TryParse(string? text, out FactValueType type)
    {
        foreach (var candidate in Enum.GetValues<FactValueType>())
        {
            if (candidate.ToWire() == text)
            {
                type = candidate;
                return true;
            }
        }

        type = default;
        return false;
    }
}

/// <summary>One named, typed value of a fact: a number (with its unit) or a text.</summary>
public sealed record FactValue(string Name, FactValueType Type, double? Number = null, string? Text = null, string? Unit = null)
{
    public static FactValue Quantity(string name, double value, string unit, int decimals) => new(name, FactValueType.Quantity, Math.Round(value, decimals, MidpointRounding.AwayFromZero), Unit: unit);

    public static FactValue Duration(string name, TimeSpan span) => new(name, FactValueType.Duration, Math.Floor(span.TotalSeconds), Unit: "s");

    public static FactValue Seconds(string name, double seconds) => new(name, FactValueType.Duration, seconds, Unit: "s");

    public static FactValue Count(string name, int count) => new(name, FactValueType.Count, count);

    public static FactValue Ratio(string name, double value) => new(name, FactValueType.Ratio, Math.Round(value, 2, MidpointRounding.AwayFromZero));

    public static FactValue Circuit(string name, ChargerCircuit circuit) => new(name, FactValueType.Circuit, Text: circuit.ToWire());

    public static FactValue Code(string name, string code) => new(name, FactValueType.Code, Text: code);

    public static FactValue Detail(string name, string text) => new(name, FactValueType.Text, Text: text);

    /// <summary>How the English message writes it: <c>2.59 A</c>, <c>554 s</c>, <c>corridor</c>.</summary>
    public string ToEnglish() => Type switch
    {
        FactValueType.Quantity or FactValueType.Duration => string.Create(CultureInfo.InvariantCulture, $"{Number:0.###} {Unit}"),
        FactValueType.Ratio => string.Create(CultureInfo.InvariantCulture, $"{Number:0.00}"),
        FactValueType.Count => string.Create(CultureInfo.InvariantCulture, $"{Number:0}"),
        _ => Text ?? string.Empty,
    };
}

/// <summary>
/// What a rule found, as data: a key naming the sentence (<c>flying_wire_charging.circuit_draw</c>) and its
/// values. The desk writes it in the user's language; <see cref="Message"/> is the English sentence kept as
/// the alert's <c>message</c> for API clients and logs. Keys and their English sentences are in <see cref="AlertFacts"/>.
/// </summary>
public sealed class AlertFact : IEquatable<AlertFact>
{
    public AlertFact(string key, params IReadOnlyList<FactValue> values)
    {
        Key = key;
        Values = values;
        Message = AlertFacts.English(key, values);
    }

    public string Key { get; }

    public IReadOnlyList<FactValue> Values { get; }

    /// <summary>The English sentence (today's alert message).</summary>
    public string Message { get; }

    public FactValue? this[string name]
    {
        get
        {
            foreach (var value in Values)
            {
                if (value.Name == name)
                {
                    return value;
                }
            }

            return null;
        }
    }

    public bool Equals(AlertFact? other) => other is not null && Key == other.Key && Values.SequenceEqual(other.Values);

    public override bool Equals(object? obj) => Equals(obj as AlertFact);

    public override int GetHashCode() => HashCode.Combine(Key, Values.Count);

    public override string ToString() => $"{Key}: {Message}";
}

/// <summary>
/// Every fact the rules and the hub's own checks state, with its English sentence. Placeholders are the
/// values' names. The desk screen has the same keys in Chinese and English (<c>wwwroot/js/facts.js</c>).
/// </summary>
public static class AlertFacts
{
    private static readonly Dictionary<string, string> Sentences = new(StringComparer.Ordinal)
    {
        ["flying_wire_charging.circuit_draw"] = "{circuit} circuit drawing {current} for {duration}",
        ["flying_wire_charging.parking_unplugged_draw"] = "parking circuit without an authorised plug drawing {current} for {duration}",
        ["flying_wire_charging.quiet"] = "current below {current} for {duration}",
        ["charger_overheat.smoke_and_heat"] = "smoke detected, {temperature}",
        ["charger_overheat.smoke"] = "smoke detected",
        ["charger_overheat.heat"] = "{temperature}",
        ["charger_overheat.cooled"] = "below {temperature} and no smoke for {duration}",
        ["broken_light.no_current"] = "lamp on but drawing {current} ({readings} readings in a row, at night)",
        ["broken_light.dim"] = "lamp on but only {light} ({readings} readings in a row, at night)",
        ["broken_light.good_readings"] = "{readings} good readings",
        ["elevator_fault.fault"] = "controller fault {code}",
        ["elevator_fault.no_fault"] = "no fault for {duration}",
        ["elevator_entrapment.alarm_button"] = "alarm button pressed in the car",
        ["elevator_entrapment.stuck"] = "occupied car stopped with the door closed for {duration}",
        ["elevator_entrapment.door_opened"] = "door opened",
        ["elevator_entrapment.car_running"] = "car running",
        ["ebike_in_elevator.detected"] = "e-bike detected in the elevator car",
        ["ebike_in_elevator.detected_with_confidence"] = "e-bike detected in the elevator car (confidence {confidence})",
        ["ebike_in_elevator.seen"] = "e-bike seen in the elevator car",
        ["ebike_in_elevator.not_seen"] = "no e-bike seen for {duration}",
        ["camera_tamper.lens"] = "lens covered or camera moved",
        ["camera_tamper.picture_normal"] = "picture normal for {duration}",
        ["camera_tamper.black_picture"] = "picture black (stream check)",
        ["camera_tamper.frozen_picture"] = "picture frozen (stream check)",
        ["camera_tamper.picture_back"] = "picture normal again (stream check)",
        ["camera_stream_down.unreadable"] = "the stream cannot be read ({detail})",
        ["camera_stream_down.readable"] = "stream readable again",
        ["device_offline.reported"] = "device reported offline (status or last will)",
        ["device_offline.silent"] = "no telemetry for {silence} (expected every {interval})",
        ["device_offline.telemetry_again"] = "telemetry received again",
        ["device_offline.back_online"] = "device back online",
        ["edge_tamper.opened"] = "the edge box's cabinet was opened",
        ["edge_tamper.closed"] = "cabinet closed",
        ["panic_button.pressed"] = "panic button pressed",
    };

    /// <summary>Every fact key (the desk must know each in both languages).</summary>
    public static IReadOnlyCollection<string> Keys => Sentences.Keys;

    // Flying-wire charging
    public static AlertFact CircuitDraw(ChargerCircuit circuit, double currentA, TimeSpan duration) => circuit == ChargerCircuit.Parking
        ? new("flying_wire_charging.parking_unplugged_draw", Amps(currentA), FactValue.Duration("duration", duration))
        : new("flying_wire_charging.circuit_draw", FactValue.Circuit("circuit", circuit), Amps(currentA), FactValue.Duration("duration", duration));

    public static AlertFact CurrentQuiet(double belowA, double seconds) => new("flying_wire_charging.quiet", Amps(belowA), FactValue.Seconds("duration", seconds));

    // Charger overheating
    public static AlertFact Overheat(bool smoke, double? temperatureC) => (smoke, temperatureC) switch
    {
        (true, { } t) => new("charger_overheat.smoke_and_heat", Celsius(t)),
        (true, null) => new("charger_overheat.smoke"),
        (false, { } t) => new("charger_overheat.heat", Celsius(t)),
        _ => new("charger_overheat.smoke"),
    };

    public static AlertFact Cooled(double belowC, double seconds) => new("charger_overheat.cooled", Celsius(belowC), FactValue.Seconds("duration", seconds));

    // Broken light
    public static AlertFact LampNoCurrent(double currentA, int readings) =>
        new("broken_light.no_current", FactValue.Quantity("current", currentA, "A", 3), FactValue.Count("readings", readings));

    public static AlertFact LampDim(double lux, int readings) =>
        new("broken_light.dim", FactValue.Quantity("light", lux, "lx", 1), FactValue.Count("readings", readings));

    public static AlertFact LampGood(int readings) => new("broken_light.good_readings", FactValue.Count("readings", readings));

    // Elevators
    public static AlertFact ElevatorFault(string code) => new("elevator_fault.fault", FactValue.Code("code", code));

    public static AlertFact NoFault(double seconds) => new("elevator_fault.no_fault", FactValue.Seconds("duration", seconds));

    public static AlertFact AlarmButton { get; } = new("elevator_entrapment.alarm_button");

    public static AlertFact Stuck(TimeSpan duration) => new("elevator_entrapment.stuck", FactValue.Duration("duration", duration));

    public static AlertFact DoorOpened { get; } = new("elevator_entrapment.door_opened");

    public static AlertFact CarRunning { get; } = new("elevator_entrapment.car_running");

    public static AlertFact EbikeDetected(double? confidence) => confidence is { } c
        ? new("ebike_in_elevator.detected_with_confidence", FactValue.Ratio("confidence", c))
        : new("ebike_in_elevator.detected");

    public static AlertFact EbikeSeen { get; } = new("ebike_in_elevator.seen");

    public static AlertFact EbikeNotSeen(double seconds) => new("ebike_in_elevator.not_seen", FactValue.Seconds("duration", seconds));

    // Cameras
    public static AlertFact LensCovered { get; } = new("camera_tamper.lens");

    public static AlertFact PictureNormal(double seconds) => new("camera_tamper.picture_normal", FactValue.Seconds("duration", seconds));

    public static AlertFact PictureBlack { get; } = new("camera_tamper.black_picture");

    public static AlertFact PictureFrozen { get; } = new("camera_tamper.frozen_picture");

    public static AlertFact PictureBack { get; } = new("camera_tamper.picture_back");

    public static AlertFact StreamUnreadable(string detail) => new("camera_stream_down.unreadable", FactValue.Detail("detail", detail));

    public static AlertFact StreamReadable { get; } = new("camera_stream_down.readable");

    // Devices going quiet
    public static AlertFact ReportedOffline { get; } = new("device_offline.reported");

    public static AlertFact Silent(TimeSpan silence, int intervalS) =>
        new("device_offline.silent", FactValue.Duration("silence", silence), FactValue.Seconds("interval", intervalS));

    public static AlertFact TelemetryAgain { get; } = new("device_offline.telemetry_again");

    public static AlertFact BackOnline { get; } = new("device_offline.back_online");

    // The edge box's own inputs
    public static AlertFact CabinetOpened { get; } = new("edge_tamper.opened");

    public static AlertFact CabinetClosed { get; } = new("edge_tamper.closed");

    public static AlertFact PanicPressed { get; } = new("panic_button.pressed");

    /// <summary>The English sentence of a fact (an unknown key is written as the key and its values, never thrown on).</summary>
    public static string English(string key, IReadOnlyList<FactValue> values)
    {
        if (!Sentences.TryGetValue(key, out var sentence))
        {
            return values.Count == 0 ? key : $"{key} ({string.Join(", ", values.Select(v => $"{v.Name} {v.ToEnglish()}"))})";
        }

        var text = new StringBuilder(sentence.Length + 16);
        var at = 0;
        while (at < sentence.Length)
        {
            var open = sentence.IndexOf('{', at);
            var close = open < 0 ? -1 : sentence.IndexOf('}', open);
            if (close < 0)
            {
                text.Append(sentence, at, sentence.Length - at);
                break;
            }

            text.Append(sentence, at, open - at);
            var name = sentence[(open + 1)..close];
            text.Append(values.FirstOrDefault(v => v.Name == name)?.ToEnglish() ?? string.Empty);
            at = close + 1;
        }

        return text.ToString();
    }

    private static FactValue Amps(double current) => FactValue.Quantity("current", current, "A", 2);

    private static FactValue Celsius(double temperature) => FactValue.Quantity("temperature", temperature, "°C", 1);
}
