using InfluxDB.Client.Api.Domain;
using InfluxDB.Client.Writes;
using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.TimeSeries;

namespace RedProperty.Iot.Hub.Tests.Unit;

/// <summary>
/// The hub writes line protocol itself for speed; InfluxDB.Client's PointData is the judge of what it must write.
/// PointData orders keys by the current culture, the hub by ordinal (InfluxDB's own advice, the same on every
/// machine); InfluxDB does not care about the order, so keys are compared as sets, and the whole line exactly
/// where the two orders agree (the hub's own keys: lowercase ASCII).
/// </summary>
public sealed class LineBuilderTests
{
    private static readonly string[] Words =
    [
        "site", "zone", "device", "Zone", "a b", "a,b", "a=b", "x\"y", "x\\y", "第一网格", "tab\there", "new\nline", "cr\rx",
        "", "z", "A", "seq", "count", "é", "a=b,c d", "\\", "\"",
    ];

    // Keys without quotes or a trailing backslash: line protocol cannot tell where such a key ends, whoever writes it.
    private static readonly string[] Keys = [.. Words.Where(w => !w.Contains('"') && !w.EndsWith('\\'))];

    private static readonly double[] Numbers =
    [
        0, -0.0, 1, -1, 0.1, 0.93, 25.5, 1e-7, 1.5e300, -2.75, 123456789.123, double.MaxValue, double.Epsilon,
        double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1.0 / 3,
    ];

    [Fact]
    public void Writes_what_InfluxDB_Client_writes_for_the_same_point()
    {
        var random = new Random(20261202);
        for (var round = 0; round < 5000; round++)
        {
            var measurement = Pick(random, Keys) is { Length: > 0 } m ? m : "light";
            var ours = LineBuilder.Start(measurement);
            var theirs = PointData.Builder.Measurement(measurement);
            for (var i = random.Next(0, 5); i > 0; i--)
            {
                var key = Pick(random, Keys) is { Length: > 0 } k ? k : "tag";
                var value = Pick(random, Keys);
                ours.Tag(key, value);
                theirs.Tag(key, value);
            }

            for (var i = random.Next(0, 7); i > 0; i--)
            {
                var key = Pick(random, Keys) is { Length: > 0 } k ? k : "field";
                switch (random.Next(4))
                {
                    case 0:
                        var flag = random.Next(2) == 0;
                        ours.Field(key, FieldValue.Of(flag));
                        theirs.Field(key, flag);
                        break;
                    case 1:
                        var whole = (long)(random.NextDouble() * 2e12) - (long)1e12;
                        ours.Field(key, FieldValue.Of(whole));
                        theirs.Field(key, whole);
                        break;
                    case 2:
                        var number = random.Next(3) == 0 ? random.NextDouble() * 1000 - 500 : Pick(random, Numbers);
                        ours.Field(key, FieldValue.Of(number));
                        theirs.Field(key, number);
                        break;
                    default:
                        var text = Pick(random, Words);
                        ours.Field(key, FieldValue.Of(text));
                        theirs.Field(key, text);
                        break;
                }
            }

            var timestamp = 1_764_400_000_000 + random.Next();
            var expected = theirs.Timestamp(timestamp, WritePrecision.Ms).ToPointData().ToLineProtocol();
            Assert.Equal(Canonical(expected), Canonical(ours.Finish(timestamp)));
        }
    }

    [Fact]
    public void Writes_the_hubs_own_points_exactly_as_InfluxDB_Client()
    {
        var ours = LineBuilder.Start("charger").Tag("site", "jiahua").Tag("zone", "grid 1").Tag("device", "c-1").Tag("circuit", "stairwell")
            .Field("tempC", FieldValue.Of(31.5)).Field("currentA", FieldValue.Of(0.01)).Field("plugged", FieldValue.Of(true))
            .Field("fault", FieldValue.Of("E\"7\\")).Field("seq", FieldValue.Of(42L)).Finish(1_764_400_000_123);
        var theirs = PointData.Builder.Measurement("charger").Tag("site", "jiahua").Tag("zone", "grid 1").Tag("device", "c-1").Tag("circuit", "stairwell")
            .Field("tempC", 31.5).Field("currentA", 0.01).Field("plugged", true).Field("fault", "E\"7\\").Field("seq", 42L)
            .Timestamp(1_764_400_000_123, WritePrecision.Ms).ToPointData().ToLineProtocol();
        Assert.Equal(theirs, ours);
    }

    [Fact]
    public void Writes_alert_transitions_exactly_as_InfluxDB_Client()
    {
        var raisedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_764_400_000_000);
        var alert = Alert.Raise(Guid.NewGuid(), new AlertKey("jiahua", "lift-2", AlertType.ElevatorEntrapment), "楼 3", DeviceKind.Elevator, AlertSeverity.Critical, "alarm button", raisedAt);
        var at = raisedAt.AddSeconds(95.5);
        var theirs = PointData.Builder.Measurement("alerts")
            .Tag("site", "jiahua").Tag("zone", "楼 3").Tag("device", "lift-2").Tag("kind", "elevator").Tag("type", "elevator_entrapment")
            .Tag("severity", "critical").Tag("action", "acknowledged")
            .Field("id", alert.Id.ToString()).Field("state", alert.State.ToWire()).Field("count", 1L).Field("secondsOpen", 95.5)
            .Timestamp(at.ToUnixTimeMilliseconds(), WritePrecision.Ms).ToPointData().ToLineProtocol();
        Assert.Equal(Canonical(theirs), Canonical(AlertPoints.Transition(alert, "acknowledged", at)));
    }

    [Fact]
    public void Absent_and_null_values_set_nothing_and_keep_an_earlier_value()
    {
        var line = LineBuilder.Start("events")
            .Tag("site", "s")
            .Field("seq", FieldValue.Of(7L))
            .Field("seq", FieldValue.Absent)
            .Field("note", FieldValue.Null)
            .Finish(5);
        Assert.Equal("events,site=s seq=7i 5", line);
    }

    [Fact]
    public void A_point_without_fields_is_no_line()
    {
        Assert.Equal(string.Empty, LineBuilder.Start("light").Tag("site", "s").Field("lux", FieldValue.Of(double.NaN)).Finish(5));
        // The builder is reused on this thread: nothing of the last point may leak into the next.
        Assert.Equal("light on=true 6", LineBuilder.Start("light").Field("on", FieldValue.Of(true)).Finish(6));
    }

    [Fact]
    public void A_line_finished_in_place_is_the_line_Finish_writes()
    {
        // Longer than the builder's first buffer, so the in-place copy has to grow once.
        var longNote = new string('长', 300);
        LineBuilder Point(string note) => LineBuilder.Start("elevator").Tag("site", "s").Tag("device", "e 1").Field("fault", FieldValue.Of(note)).Field("seq", FieldValue.Of(3L));
        foreach (var note in new[] { "E07", longNote, "x" })
        {
            var expected = Point(note).Finish(9);
            Assert.Equal(expected, Point(note).FinishInPlace(9).ToString());
        }

        Assert.True(LineBuilder.Start("light").Field("lux", FieldValue.Of(double.NaN)).FinishInPlace(5).IsEmpty);
        Assert.Equal("light on=true 6", LineBuilder.Start("light").Field("on", FieldValue.Of(true)).FinishInPlace(6).ToString());
    }

    private static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];

    /// <summary>The line with its tags and its fields each sorted ordinally (split at unescaped separators, outside quotes).</summary>
    private static string Canonical(string line)
    {
        if (line.Length == 0)
        {
            return line;
        }

        var seriesEnd = Split(line, ' ', quotes: false)[0].Length;
        var timestampStart = line.LastIndexOf(' ');
        var series = Split(line[..seriesEnd], ',', quotes: false);
        var tags = series.Skip(1).Order(StringComparer.Ordinal);
        var fields = Split(line[(seriesEnd + 1)..timestampStart], ',', quotes: true).Order(StringComparer.Ordinal);
        return $"{series[0]} | {string.Join(" , ", tags)} | {string.Join(" , ", fields)} | {line[(timestampStart + 1)..]}";
    }

    private static List<string> Split(string text, char separator, bool quotes)
    {
        var parts = new List<string>();
        var start = 0;
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\')
            {
                i++;
            }
            else if (quotes && text[i] == '"')
            {
                quoted = !quoted;
            }
            else if (text[i] == separator && !quoted)
            {
                parts.Add(text[start..i]);
                start = i + 1;
            }
        }

        parts.Add(text[start..]);
        return parts;
    }
}
