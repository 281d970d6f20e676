using System.Buffers;
using System.Globalization;
using System.Text;
using RedProperty.Iot.Domain.Contract;

namespace RedProperty.Iot.Domain.Tests.Contract;

public sealed class TelemetryContractTests
{
    public static TheoryData<DeviceKind> Kinds() => [.. DeviceKinds.All];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_declared_field_decodes_into_the_property_its_declaration_reads(DeviceKind kind)
    {
        var contract = TelemetryContract.For(kind)!;
        var reading = contract.Fields.First(f => f.IsReading && f.Type == FieldType.Bool);
        foreach (var field in contract.Fields)
        {
            // A tag alone is not a reading, so one reading field comes with it.
            var json = $"{{\"{field.Name}\":{Sample(field)}{(field.IsReading ? "" : $",\"{reading.Name}\":false")}}}";
            var decoded = PayloadDecoder.DecodeTelemetry(kind, new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json)));

            Assert.True(decoded.IsSuccess, $"{json}: {decoded.Rejection}");
            Assert.Equal(Sample(field), Json(field.ValueOf(decoded.Value!)));
            Assert.All(contract.Fields.Where(f => f != field && (field.IsReading || f != reading)), f => Assert.False(f.ValueOf(decoded.Value!).IsSet, $"{json} set {f.Name}"));
        }
    }

    /// <summary>The declaration words the refusals as the hand-written readers did, to the letter.</summary>
    [Theory]
    [InlineData(DeviceKind.Charger, "{\"circuit\":\"garage\",\"currentA\":1}", RejectionReason.InvalidValue, "circuit must be station, parking, corridor or stairwell")]
    [InlineData(DeviceKind.Charger, "{\"circuit\":\"parking\"}", RejectionReason.NoKnownField, "telemetry carries none of the charger fields")]
    [InlineData(DeviceKind.Charger, "{\"circuit\":null,\"smoke\":true}", RejectionReason.WrongType, "circuit must be a string")]
    [InlineData(DeviceKind.Elevator, "{\"fault\":7}", RejectionReason.WrongType, "fault must be a string or null")]
    [InlineData(DeviceKind.Elevator, "{\"floor\":301}", RejectionReason.OutOfRange, "floor must be between -50 and 300")]
    [InlineData(DeviceKind.Camera, "{\"fps\":24,\"fps\":25}", RejectionReason.DuplicateField, "fps")]
    [InlineData(DeviceKind.Camera, "{\"persons\":true}", RejectionReason.WrongType, "persons must be an integer")]
    [InlineData(DeviceKind.Light, "{\"on\":\"yes\"}", RejectionReason.WrongType, "on must be true or false")]
    [InlineData(DeviceKind.Light, "{\"lux\":\"dark\"}", RejectionReason.WrongType, "lux must be a number")]
    [InlineData(DeviceKind.Light, "{}", RejectionReason.NoKnownField, "telemetry carries none of the light fields")]
    public void Refusals_keep_their_reason_and_wording(DeviceKind kind, string json, RejectionReason reason, string detail)
    {
        var decoded = PayloadDecoder.DecodeTelemetry(kind, new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json)));

        Assert.Equal(new Rejection(reason, detail), decoded.Rejection);
    }

    [Fact]
    public void Field_names_are_unique_per_kind_and_every_kind_but_the_edge_box_has_a_contract()
    {
        Assert.All(DeviceKinds.All, kind => Assert.Equal(kind, TelemetryContract.For(kind)!.Kind));
        Assert.Null(TelemetryContract.For(DeviceKind.Edge));
        Assert.All(DeviceKinds.All, kind => Assert.Distinct(TelemetryContract.For(kind)!.Fields.Select(f => f.Name)));
    }

    [Fact]
    public void Merge_keeps_the_last_known_value_of_each_field()
    {
        var before = new ChargerTelemetry { Circuit = ChargerCircuit.Corridor, CurrentA = 1, TempC = 40, Smoke = false };
        var merged = ChargerTelemetry.Contract.Merge(before, new ChargerTelemetry { CurrentA = 2.5, Plugged = true, Seq = 7 });

        Assert.Equal(new ChargerTelemetry { Circuit = ChargerCircuit.Corridor, CurrentA = 2.5, TempC = 40, Smoke = false, Plugged = true, Seq = 7 }, merged);

        var full = new ChargerTelemetry { Circuit = ChargerCircuit.Parking, CurrentA = 0, VoltageV = 220, PowerW = 0, TempC = 30, Plugged = false, Smoke = false };
        Assert.Same(full, ChargerTelemetry.Contract.Merge(merged, full));
        Assert.Same(full, ChargerTelemetry.Contract.Merge(null, full));
    }

    [Fact]
    public void Keeping_values_in_place_knows_what_merging_knows()
    {
        var contract = ElevatorTelemetry.Contract;
        ElevatorTelemetry[] readings =
        [
            new() { Floor = 3, FaultReported = true, Fault = "E07", Running = true },
            new() { FaultReported = true, DoorOpen = false },
            new() { Floor = 4, SpeedMps = 1.5 },
        ];

        ElevatorTelemetry? merged = null;
        var known = new FieldValue[TelemetryContract.MaxFields];
        foreach (var reading in readings)
        {
            merged = contract.Merge(merged, reading);
            contract.Keep(reading, known);
        }

        Assert.All(contract.Fields, f => Assert.Equal(Json(f.ValueOf(merged!)), Json(known[f.Index])));
    }

    [Fact]
    public void A_reported_fault_of_null_is_a_known_value_that_a_later_silence_keeps()
    {
        var faulted = ElevatorTelemetry.Contract.Merge(null, new ElevatorTelemetry { FaultReported = true, Fault = "E07" });
        var cleared = ElevatorTelemetry.Contract.Merge(faulted, new ElevatorTelemetry { FaultReported = true, Floor = 3 });
        var silent = ElevatorTelemetry.Contract.Merge(cleared, new ElevatorTelemetry { Floor = 4 });

        Assert.Equal((true, (string?)null, 4L), (silent.FaultReported, silent.Fault, silent.Floor!.Value));
        Assert.Equal(FieldValueKind.Null, ElevatorTelemetry.Contract.Fields.Single(f => f.Name == "fault").ValueOf(silent).Kind);
    }

    /// <summary>A valid value of the field, as JSON, different from the defaults.</summary>
    private static string Sample(TelemetryField field) => field.Type switch
    {
        FieldType.Bool => "true",
        FieldType.Integer => ((long)field.Max).ToString(CultureInfo.InvariantCulture),
        FieldType.Number => (field.Max / 4).ToString("R", CultureInfo.InvariantCulture),
        _ => $"\"{field.AllowedValues?[^1] ?? "E42"}\"",
    };

    private static string Json(FieldValue value) => value.Kind switch
    {
        FieldValueKind.Bool => value.Bool!.Value ? "true" : "false",
        FieldValueKind.Integer => value.Integer!.Value.ToString(CultureInfo.InvariantCulture),
        FieldValueKind.Number => value.Number!.Value.ToString("R", CultureInfo.InvariantCulture),
        FieldValueKind.Text => $"\"{value.Text}\"",
        _ => value.Kind.ToString(),
    };
}
