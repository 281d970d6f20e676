using System.Buffers;
using System.Text;
using System.Text.Json;

namespace RedProperty.Iot.Domain.Contract;

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
            var telemetry = TelemetryContract.For(kind) is { } contract ? ReadTelemetry(ref reader, contract) : null;

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

    /// <summary>Reads a telemetry object by its kind's declared fields (<see cref="TelemetryContract"/>).</summary>
    private static DeviceTelemetry? ReadTelemetry(ref PayloadReader reader, TelemetryContract contract)
    {
        if (!reader.BeginObject())
        {
            return null;
        }

        var fields = contract.FieldSpan;
        var values = default(TelemetryValues);
        long? ts = null, seq = null;
        while (reader.NextProperty())
        {
            if (ReadCommon(ref reader, ref ts, ref seq)) { }
            else if (reader.FieldNamed(fields) is { } field) reader.ReadField(field, ref values.Fields[field.Index]);
            else reader.SkipValue();
        }

        if (reader.Failed)
        {
            return null;
        }

        var anyReading = false;
        foreach (var field in fields)
        {
            var value = values.Fields[field.Index];
            if (value.Text is { } text && !field.Allows(text))
            {
                reader.Fail(RejectionReason.InvalidValue, field.AllowedValuesRule);
                return null;
            }

            anyReading |= field.IsReading && value.IsSet;
        }

        if (!anyReading)
        {
            reader.Fail(RejectionReason.NoKnownField, $"telemetry carries none of the {contract.Kind.ToWire()} fields");
            return null;
        }

        values.Ts = ts;
        values.Seq = seq;
        return contract.Create(values);
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
