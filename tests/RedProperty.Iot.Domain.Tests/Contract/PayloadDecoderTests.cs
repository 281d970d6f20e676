using System.Buffers;
using System.Text;
using RedProperty.Iot.Domain.Contract;

namespace RedProperty.Iot.Domain.Tests.Contract;

public sealed class PayloadDecoderTests
{
    private static ReadOnlySequence<byte> Bytes(string text) => new(Encoding.UTF8.GetBytes(text));

    private static T Decode<T>(DeviceKind kind, string json)
        where T : DeviceTelemetry
    {
        var result = PayloadDecoder.DecodeTelemetry(kind, Bytes(json));
        Assert.True(result.IsSuccess, result.Rejection.ToString());
        return Assert.IsType<T>(result.Value);
    }

    [Fact]
    public void Decodes_camera_telemetry()
    {
        var camera = Decode<CameraTelemetry>(DeviceKind.Camera, """{"online":true,"motion":false,"persons":4,"ebike":true,"tamper":false,"fps":12.5,"ts":1764400000000,"seq":9}""");
        Assert.Equal(new CameraTelemetry { Online = true, Motion = false, Persons = 4, Ebike = true, Tamper = false, Fps = 12.5, Ts = 1764400000000, Seq = 9 }, camera);
    }

    [Fact]
    public void Decodes_light_telemetry()
    {
        var light = Decode<LightTelemetry>(DeviceKind.Light, """{"on":true,"lux":3.5,"currentA":0.01,"voltageV":220}""");
        Assert.Equal(new LightTelemetry { On = true, Lux = 3.5, CurrentA = 0.01, VoltageV = 220 }, light);
    }

    [Fact]
    public void Decodes_elevator_telemetry_with_and_without_a_fault()
    {
        var faulted = Decode<ElevatorTelemetry>(DeviceKind.Elevator, """{"floor":-1,"doorOpen":false,"running":false,"occupied":true,"fault":"E07","speedMps":0}""");
        Assert.Equal("E07", faulted.Fault);
        Assert.True(faulted.FaultReported);
        Assert.Equal(-1, faulted.Floor);

        var healthy = Decode<ElevatorTelemetry>(DeviceKind.Elevator, """{"floor":12,"fault":null}""");
        Assert.Null(healthy.Fault);
        Assert.True(healthy.FaultReported);

        var silent = Decode<ElevatorTelemetry>(DeviceKind.Elevator, """{"floor":12}""");
        Assert.False(silent.FaultReported);
    }

    [Theory]
    [InlineData("station", ChargerCircuit.Station)]
    [InlineData("parking", ChargerCircuit.Parking)]
    [InlineData("corridor", ChargerCircuit.Corridor)]
    [InlineData("stairwell", ChargerCircuit.Stairwell)]
    public void Decodes_charger_telemetry_with_each_circuit(string circuit, ChargerCircuit expected)
    {
        var charger = Decode<ChargerTelemetry>(DeviceKind.Charger, $$"""{"circuit":"{{circuit}}","currentA":2.1,"voltageV":221,"powerW":460,"tempC":35,"plugged":true,"smoke":false}""");
        Assert.Equal(expected, charger.Circuit);
        Assert.Equal(2.1, charger.CurrentA);
        Assert.True(charger.Plugged);
        Assert.False(charger.Smoke);
    }

    [Fact]
    public void Unknown_fields_and_nested_values_are_ignored()
    {
        var light = Decode<LightTelemetry>(DeviceKind.Light, """{"firmware":"1.2","diag":{"a":[1,2,{"b":null}]},"on":false}""");
        Assert.False(light.On);
    }

    [Theory]
    [InlineData(DeviceKind.Light, "{\"on\":1}", RejectionReason.WrongType)]
    [InlineData(DeviceKind.Light, "{\"on\":null}", RejectionReason.WrongType)]
    [InlineData(DeviceKind.Light, "{\"lux\":\"12\"}", RejectionReason.WrongType)]
    [InlineData(DeviceKind.Light, "{\"lux\":-0.1}", RejectionReason.OutOfRange)]
    [InlineData(DeviceKind.Light, "{\"lux\":1e400}", RejectionReason.NotFinite)]
    [InlineData(DeviceKind.Light, "{\"lux\":NaN}", RejectionReason.MalformedJson)]
    [InlineData(DeviceKind.Light, "{\"lux\":-Infinity}", RejectionReason.MalformedJson)]
    [InlineData(DeviceKind.Light, "{\"lux\":1,}", RejectionReason.MalformedJson)]
    [InlineData(DeviceKind.Light, "{'on':true}", RejectionReason.MalformedJson)]
    [InlineData(DeviceKind.Light, "{\"on\":true}x", RejectionReason.MalformedJson)]
    [InlineData(DeviceKind.Light, "\"on\"", RejectionReason.NotAnObject)]
    [InlineData(DeviceKind.Light, "null", RejectionReason.NotAnObject)]
    [InlineData(DeviceKind.Light, "{}", RejectionReason.NoKnownField)]
    [InlineData(DeviceKind.Light, "{\"ts\":1764400000000}", RejectionReason.NoKnownField)]
    [InlineData(DeviceKind.Light, "{\"on\":true,\"on\":true}", RejectionReason.DuplicateField)]
    [InlineData(DeviceKind.Light, "{\"ts\":1,\"ts\":2,\"on\":true}", RejectionReason.DuplicateField)]
    [InlineData(DeviceKind.Light, "{\"ts\":1.5,\"on\":true}", RejectionReason.WrongType)]
    [InlineData(DeviceKind.Light, "{\"ts\":-1,\"on\":true}", RejectionReason.OutOfRange)]
    [InlineData(DeviceKind.Light, "{\"seq\":99999999999999999999999,\"on\":true}", RejectionReason.OutOfRange)]
    [InlineData(DeviceKind.Camera, "{\"persons\":2.5}", RejectionReason.WrongType)]
    [InlineData(DeviceKind.Camera, "{\"persons\":-1}", RejectionReason.OutOfRange)]
    [InlineData(DeviceKind.Camera, "{\"fps\":true}", RejectionReason.WrongType)]
    [InlineData(DeviceKind.Elevator, "{\"fault\":42}", RejectionReason.WrongType)]
    [InlineData(DeviceKind.Elevator, "{\"fault\":\"E1\\u0007\"}", RejectionReason.ControlCharacter)]
    [InlineData(DeviceKind.Elevator, "{\"fault\":\"E1\\r\\nlight,site=x on=true\"}", RejectionReason.ControlCharacter)]
    [InlineData(DeviceKind.Elevator, "{\"floor\":\"3\"}", RejectionReason.WrongType)]
    [InlineData(DeviceKind.Elevator, "{\"floor\":1000}", RejectionReason.OutOfRange)]
    [InlineData(DeviceKind.Charger, "{\"circuit\":\"kitchen\",\"currentA\":1}", RejectionReason.InvalidValue)]
    [InlineData(DeviceKind.Charger, "{\"circuit\":null,\"currentA\":1}", RejectionReason.WrongType)]
    [InlineData(DeviceKind.Charger, "{\"circuit\":\"corridor\"}", RejectionReason.NoKnownField)]
    [InlineData(DeviceKind.Charger, "{\"tempC\":9000}", RejectionReason.OutOfRange)]
    [InlineData(DeviceKind.Charger, "{\"smoke\":\"false\"}", RejectionReason.WrongType)]
    public void Refuses_bad_telemetry_with_its_reason(DeviceKind kind, string json, RejectionReason reason)
    {
        var result = PayloadDecoder.DecodeTelemetry(kind, Bytes(json));
        Assert.False(result.IsSuccess);
        Assert.Equal(reason, result.Rejection.Reason);
        Assert.False(string.IsNullOrWhiteSpace(result.Rejection.Detail));
    }

    [Fact]
    public void Refuses_payloads_over_16_KiB_and_empty_ones()
    {
        var padded = "{\"on\":true,\"pad\":\"" + new string('x', PayloadDecoder.MaxPayloadBytes) + "\"}";
        Assert.Equal(RejectionReason.PayloadTooLarge, PayloadDecoder.DecodeTelemetry(DeviceKind.Light, Bytes(padded)).Rejection.Reason);
        Assert.Equal(RejectionReason.EmptyPayload, PayloadDecoder.DecodeTelemetry(DeviceKind.Light, ReadOnlySequence<byte>.Empty).Rejection.Reason);
        var exactly = "{\"on\":true,\"pad\":\"" + new string('x', PayloadDecoder.MaxPayloadBytes - 20) + "\"}";
        Assert.Equal(PayloadDecoder.MaxPayloadBytes - 20 + 20, Encoding.UTF8.GetByteCount(exactly));
        Assert.True(PayloadDecoder.DecodeTelemetry(DeviceKind.Light, Bytes(exactly)).IsSuccess);
    }

    [Fact]
    public void Refuses_too_deep_nesting()
    {
        var deep = "{\"on\":true,\"x\":" + new string('[', 50) + new string(']', 50) + "}";
        Assert.Equal(RejectionReason.MalformedJson, PayloadDecoder.DecodeTelemetry(DeviceKind.Light, Bytes(deep)).Rejection.Reason);
    }

    [Fact]
    public void Refuses_invalid_utf8_in_strings()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"fault\":\"E__\"}");
        bytes[11] = 0xC3;
        bytes[12] = 0x28;
        var result = PayloadDecoder.DecodeTelemetry(DeviceKind.Elevator, new ReadOnlySequence<byte>(bytes));
        Assert.False(result.IsSuccess);
        Assert.Equal(RejectionReason.MalformedJson, result.Rejection.Reason);
    }

    [Fact]
    public void Decodes_a_payload_split_across_segments()
    {
        var first = new Segment(Encoding.UTF8.GetBytes("{\"on\":tr"));
        var last = first.Append(Encoding.UTF8.GetBytes("ue,\"lux\":7}"));
        var result = PayloadDecoder.DecodeTelemetry(DeviceKind.Light, new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length));
        Assert.True(result.IsSuccess);
        Assert.Equal(7, ((LightTelemetry)result.Value!).Lux);
    }

    [Fact]
    public void Decodes_events_with_their_attributes()
    {
        var result = PayloadDecoder.DecodeEvent(Bytes("""{"type":"ebike_detected","confidence":0.93,"camera":"cam-1","count":2,"night":true,"nested":{"x":1},"ts":5}"""));
        Assert.True(result.IsSuccess, result.Rejection.ToString());
        var deviceEvent = result.Value!;
        Assert.Equal("ebike_detected", deviceEvent.Type);
        Assert.Equal(0.93, deviceEvent.Confidence);
        Assert.Equal(5, deviceEvent.Ts);
        Assert.Equal(
            new[] { new KeyValuePair<string, object>("camera", "cam-1"), new("count", 2.0), new("night", true) },
            deviceEvent.Attributes);
    }

    [Theory]
    [InlineData("{}", RejectionReason.MissingField)]
    [InlineData("{\"type\":\"\"}", RejectionReason.InvalidValue)]
    [InlineData("{\"type\":\"Alarm\"}", RejectionReason.InvalidValue)]
    [InlineData("{\"type\":7}", RejectionReason.WrongType)]
    [InlineData("{\"type\":\"alarm_button\",\"confidence\":1.5}", RejectionReason.OutOfRange)]
    [InlineData("{\"type\":\"alarm_button\",\"note\":\"a\\u001bb\"}", RejectionReason.ControlCharacter)]
    [InlineData("{\"type\":\"alarm_button\",\"level\":1,\"level\":2}", RejectionReason.DuplicateField)]
    public void Refuses_bad_events(string json, RejectionReason reason)
    {
        var result = PayloadDecoder.DecodeEvent(Bytes(json));
        Assert.False(result.IsSuccess);
        Assert.Equal(reason, result.Rejection.Reason);
    }

    [Theory]
    [InlineData("online", DeviceStatus.Online)]
    [InlineData("offline", DeviceStatus.Offline)]
    [InlineData(" online\n", DeviceStatus.Online)]
    [InlineData("\"offline\"", DeviceStatus.Offline)]
    public void Decodes_status(string payload, DeviceStatus expected)
    {
        Assert.True(PayloadDecoder.TryDecodeStatus(Bytes(payload), out var status, out _));
        Assert.Equal(expected, status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ONLINE")]
    [InlineData("{\"status\":\"online\"}")]
    [InlineData("1")]
    public void Refuses_anything_else_as_status(string payload)
    {
        Assert.False(PayloadDecoder.TryDecodeStatus(Bytes(payload), out _, out var rejection));
        Assert.Equal(RejectionReason.InvalidStatus, rejection.Reason);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes) => Memory = bytes;

        public Segment Append(byte[] bytes)
        {
            var next = new Segment(bytes) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
