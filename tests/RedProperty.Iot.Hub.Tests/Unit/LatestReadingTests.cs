using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.Hub.Devices;

namespace RedProperty.Iot.Hub.Tests.Unit;

public sealed class LatestReadingTests
{
    private static readonly DateTimeOffset At = new(2025, 11, 29, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Nothing_to_show_before_the_first_reading()
    {
        Assert.Null(new LatestReading().View());
    }

    [Fact]
    public void Keeps_the_last_known_value_of_each_field_by_name_in_ordinal_order()
    {
        var latest = new LatestReading();
        latest.Merge(new ChargerTelemetry { Circuit = ChargerCircuit.Corridor, CurrentA = 2, TempC = 30, Seq = 1 }, At);
        latest.Merge(new ChargerTelemetry { CurrentA = 2.5, Plugged = false, Seq = 2 }, At.AddSeconds(5));

        var view = latest.View()!;

        Assert.Equal(At.AddSeconds(5), view.At);
        Assert.Equal("""{"circuit":"corridor","currentA":2.5,"plugged":false,"tempC":30}""", view.Values.ToJsonString());
    }

    [Fact]
    public void A_reported_fault_of_null_shows_as_null_and_a_silent_reading_keeps_it()
    {
        var latest = new LatestReading();
        latest.Merge(new ElevatorTelemetry { Floor = 3, FaultReported = true, Fault = "E07" }, At);
        latest.Merge(new ElevatorTelemetry { FaultReported = true, Running = false }, At);
        latest.Merge(new ElevatorTelemetry { DoorOpen = true, SpeedMps = 0.5 }, At);

        Assert.Equal("""{"doorOpen":true,"fault":null,"floor":3,"running":false,"speedMps":0.5}""", latest.View()!.Values.ToJsonString());
    }

    [Fact]
    public void Each_view_is_a_fresh_copy()
    {
        var latest = new LatestReading();
        latest.Merge(new CameraTelemetry { Online = true, Persons = 2, Fps = 12.5 }, At);

        var first = latest.View()!;
        first.Values.Remove("persons");

        Assert.Equal("""{"fps":12.5,"online":true,"persons":2}""", latest.View()!.Values.ToJsonString());
    }
}
