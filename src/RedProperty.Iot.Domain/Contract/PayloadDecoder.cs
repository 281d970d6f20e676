using System.Buffers;
using System.Text;
using System.Text.Json;

namespace RedProperty.Iot.Contract;

/// <summary>
/// Decodes device payloads (contract v1) into typed records with a forward-only JSON reader:
/// no reflection per message, unknown fields ignored, every bad input turned into a <see cref="Rejection"/>.
/// </summary>
public static class PayloadDecoder
{
    public const int MaxPayloadBytes = 16 * 1024;

    public const int MaxFaultLength = 64;

    public const int MaxEventTypeLength = 64;

    public const int MaxEventAttributes = 16;

    public static DecodeResult<DeviceTelemetry> DecodeTelemetry(DeviceKind kind, ReadOnlySequence<byte> payload)
    {
        if (CheckSize(payload) is { } sizeProblem)
        {
            return sizeProblem;
        }

        try
        {
            var reader = new PayloadReader(payload);
            DeviceTelemetry? telemetry = kind switch
            {
                DeviceKind.Camera => ReadCamera(ref reader),
                DeviceKind.Light => ReadLight(ref reader),
                DeviceKind.Elevator => ReadElevator(ref reader),
                DeviceKind.Charger => ReadCharger(ref reader),
                _ => null,
            };

            if (telemetry is null || !reader.EndObject())
            {
                return reader.Failed ? reader.Error : new Rejection(RejectionReason.UnknownKind, kind.ToString());
            }

            return DecodeResult<DeviceTelemetry>.Success(telemetry);
        }
        catch (JsonException ex)
        {
            return Malformed(ex);
        }
    }

    public static DecodeResult<DeviceEvent> DecodeEvent(ReadOnlySequence<byte> payload)
    {
        if (CheckSize(payload) is { } sizeProblem)
        {
            return sizeProblem;
        }

        try
        {
            var reader = new PayloadReader(payload);
            var deviceEvent = ReadEvent(ref reader);
            if (deviceEvent is null || !reader.EndObject())
            {
                return reader.Error;
            }

            return DecodeResult<DeviceEvent>.Success(deviceEvent);
        }
        catch (JsonException ex)
        {
            return Malformed(ex);
        }
    }

    /// <summary>Status is the plain text <c>online</c> or <c>offline</c> (a JSON string of either is accepted too).</summary>
    public static bool TryDecodeStatus(ReadOnlySequence<byte> payload, out DeviceStatus status, out Rejection rejection)
    {
        status = default;
        if (payload.Length is 0 or > 64)
        {
            rejection = new Rejection(RejectionReason.InvalidStatus, "status must be online or offline");
            return false;
        }

        var text = Encoding.UTF8.GetString(payload).Trim().Trim('"');
        switch (text)
        {
            case "online": status = DeviceStatus.Online; rejection = default; return true;
            case "offline": status = DeviceStatus.Offline; rejection = default; return true;
            default: rejection = new Rejection(RejectionReason.InvalidStatus, "status must be online or offline"); return false;
        }
    }

    private static Rejection? CheckSize(ReadOnlySequence<byte> payload)
    {
        if (payload.Length > MaxPayloadBytes)
        {
            return new Rejection(RejectionReason.PayloadTooLarge, $"{payload.Length} bytes, at most {MaxPayloadBytes}");
        }

        if (payload.IsEmpty)
        {
            return new Rejection(RejectionReason.EmptyPayload, "payload is empty");
        }

        return null;
    }

    private static Rejection Malformed(JsonException ex) =>
        new(RejectionReason.MalformedJson, $"invalid JSON at byte {ex.BytePositionInLine}");

    /// <summary>Reads <c>ts</c> and <c>seq</c>; true when the current property was one of them.</summary>
    private static bool ReadCommon(ref PayloadReader reader, ref long? ts, ref long? seq)
    {
        if (reader.NameIs("ts"u8))
        {
            reader.ReadInteger("ts", ref ts, 0, 253_402_300_799_999);
            return true;
        }

        if (reader.NameIs("seq"u8))
        {
            reader.ReadInteger("seq", ref seq, 0, long.MaxValue);
            return true;
        }

        return false;
    }

    private static CameraTelemetry? ReadCamera(ref PayloadReader reader)
    {
        if (!reader.BeginObject())
        {
            return null;
        }

        long? ts = null, seq = null, persons = null;
        bool? online = null, motion = null, ebike = null, tamper = null;
        double? fps = null;
        while (reader.NextProperty())
        {
            if (ReadCommon(ref reader, ref ts, ref seq)) { }
            else if (reader.NameIs("online"u8)) reader.ReadBool("online", ref online);
            else if (reader.NameIs("motion"u8)) reader.ReadBool("motion", ref motion);
            else if (reader.NameIs("persons"u8)) reader.ReadInteger("persons", ref persons, 0, 100_000);
            else if (reader.NameIs("ebike"u8)) reader.ReadBool("ebike", ref ebike);
            else if (reader.NameIs("tamper"u8)) reader.ReadBool("tamper", ref tamper);
            else if (reader.NameIs("fps"u8)) reader.ReadNumber("fps", ref fps, 0, 1_000);
            else reader.SkipValue();
        }

        if (!RequireAny(ref reader, DeviceKind.Camera, online.HasValue || motion.HasValue || persons.HasValue || ebike.HasValue || tamper.HasValue || fps.HasValue))
        {
            return null;
        }

        return new CameraTelemetry { Ts = ts, Seq = seq, Online = online, Motion = motion, Persons = persons, Ebike = ebike, Tamper = tamper, Fps = fps };
    }

    private static LightTelemetry? ReadLight(ref PayloadReader reader)
    {
        if (!reader.BeginObject())
        {
            return null;
        }

        long? ts = null, seq = null;
        bool? on = null;
        double? lux = null, current = null, voltage = null;
        while (reader.NextProperty())
        {
            if (ReadCommon(ref reader, ref ts, ref seq)) { }
            else if (reader.NameIs("on"u8)) reader.ReadBool("on", ref on);
            else if (reader.NameIs("lux"u8)) reader.ReadNumber("lux", ref lux, 0, 200_000);
            else if (reader.NameIs("currentA"u8)) reader.ReadNumber("currentA", ref current, 0, 1_000);
            else if (reader.NameIs("voltageV"u8)) reader.ReadNumber("voltageV", ref voltage, 0, 1_000);
            else reader.SkipValue();
        }

        if (!RequireAny(ref reader, DeviceKind.Light, on.HasValue || lux.HasValue || current.HasValue || voltage.HasValue))
        {
            return null;
        }

        return new LightTelemetry { Ts = ts, Seq = seq, On = on, Lux = lux, CurrentA = current, VoltageV = voltage };
    }

    private static ElevatorTelemetry? ReadElevator(ref PayloadReader reader)
    {
        if (!reader.BeginObject())
        {
            return null;
        }

        long? ts = null, seq = null, floor = null;
        bool? doorOpen = null, running = null, occupied = null;
        bool faultSeen = false;
        string? fault = null;
        double? speed = null;
        while (reader.NextProperty())
        {
            if (ReadCommon(ref reader, ref ts, ref seq)) { }
            else if (reader.NameIs("floor"u8)) reader.ReadInteger("floor", ref floor, -50, 300);
            else if (reader.NameIs("doorOpen"u8)) reader.ReadBool("doorOpen", ref doorOpen);
            else if (reader.NameIs("running"u8)) reader.ReadBool("running", ref running);
            else if (reader.NameIs("occupied"u8)) reader.ReadBool("occupied", ref occupied);
            else if (reader.NameIs("fault"u8)) reader.ReadString("fault", ref faultSeen, ref fault, MaxFaultLength, nullable: true);
            else if (reader.NameIs("speedMps"u8)) reader.ReadNumber("speedMps", ref speed, -20, 20);
            else reader.SkipValue();
        }

        if (!RequireAny(ref reader, DeviceKind.Elevator, floor.HasValue || doorOpen.HasValue || running.HasValue || occupied.HasValue || faultSeen || speed.HasValue))
        {
            return null;
        }

        return new ElevatorTelemetry
        {
            Ts = ts, Seq = seq, Floor = floor, DoorOpen = doorOpen, Running = running, Occupied = occupied,
            FaultReported = faultSeen, Fault = fault, SpeedMps = speed,
        };
    }

    private static ChargerTelemetry? ReadCharger(ref PayloadReader reader)
    {
        if (!reader.BeginObject())
        {
            return null;
        }

        long? ts = null, seq = null;
        bool circuitSeen = false;
        string? circuitText = null;
        double? current = null, voltage = null, power = null, temp = null;
        bool? plugged = null, smoke = null;
        while (reader.NextProperty())
        {
            if (ReadCommon(ref reader, ref ts, ref seq)) { }
            else if (reader.NameIs("circuit"u8)) reader.ReadString("circuit", ref circuitSeen, ref circuitText, 16, nullable: false);
            else if (reader.NameIs("currentA"u8)) reader.ReadNumber("currentA", ref current, 0, 1_000);
            else if (reader.NameIs("voltageV"u8)) reader.ReadNumber("voltageV", ref voltage, 0, 1_000);
            else if (reader.NameIs("powerW"u8)) reader.ReadNumber("powerW", ref power, 0, 1_000_000);
            else if (reader.NameIs("tempC"u8)) reader.ReadNumber("tempC", ref temp, -60, 300);
            else if (reader.NameIs("plugged"u8)) reader.ReadBool("plugged", ref plugged);
            else if (reader.NameIs("smoke"u8)) reader.ReadBool("smoke", ref smoke);
            else reader.SkipValue();
        }

        ChargerCircuit? circuit = null;
        if (!reader.Failed && circuitText is not null)
        {
            if (!ChargerCircuits.TryParse(circuitText, out var parsed))
            {
                reader.Fail(RejectionReason.InvalidValue, "circuit must be station, parking, corridor or stairwell");
                return null;
            }

            circuit = parsed;
        }

        if (!RequireAny(ref reader, DeviceKind.Charger, current.HasValue || voltage.HasValue || power.HasValue || temp.HasValue || plugged.HasValue || smoke.HasValue))
        {
            return null;
        }

        return new ChargerTelemetry
        {
            Ts = ts, Seq = seq, Circuit = circuit, CurrentA = current, VoltageV = voltage, PowerW = power,
            TempC = temp, Plugged = plugged, Smoke = smoke,
        };
    }

    private static DeviceEvent? ReadEvent(ref PayloadReader reader)
    {
        if (!reader.BeginObject())
        {
            return null;
        }

        long? ts = null, seq = null;
        bool typeSeen = false;
        string? type = null;
        double? confidence = null;
        List<KeyValuePair<string, object>>? attributes = null;
        while (reader.NextProperty())
        {
            if (ReadCommon(ref reader, ref ts, ref seq)) { }
            else if (reader.NameIs("type"u8)) reader.ReadString("type", ref typeSeen, ref type, MaxEventTypeLength, nullable: false);
            else if (reader.NameIs("confidence"u8)) reader.ReadNumber("confidence", ref confidence, 0, 1);
            else
            {
                var name = reader.Name();
                if (!IsAttributeName(name) || (attributes?.Count ?? 0) >= MaxEventAttributes)
                {
                    reader.SkipValue();
                    continue;
                }

                if (attributes?.Exists(a => a.Key == name) == true)
                {
                    reader.Fail(RejectionReason.DuplicateField, name);
                    break;
                }

                if (reader.ReadScalar(name) is { } value)
                {
                    (attributes ??= []).Add(new(name, value));
                }
            }
        }

        if (reader.Failed)
        {
            return null;
        }

        if (type is null)
        {
            reader.Fail(RejectionReason.MissingField, "type");
            return null;
        }

        if (!IsEventType(type))
        {
            reader.Fail(RejectionReason.InvalidValue, "type must match [a-z0-9_]{1,64}");
            return null;
        }

        return new DeviceEvent { Ts = ts, Seq = seq, Type = type, Confidence = confidence, Attributes = attributes ?? [] };
    }

    private static bool RequireAny(ref PayloadReader reader, DeviceKind kind, bool anyKnownField)
    {
        if (reader.Failed)
        {
            return false;
        }

        if (!anyKnownField)
        {
            reader.Fail(RejectionReason.NoKnownField, $"telemetry carries none of the {kind.ToWire()} fields");
            return false;
        }

        return true;
    }

    private static bool IsEventType(string type)
    {
        foreach (var c in type)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return type.Length > 0;
    }

    private static bool IsAttributeName(string name)
    {
        if (name.Length is 0 or > 64 || name is "type" or "confidence" or "ts" or "seq")
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}
