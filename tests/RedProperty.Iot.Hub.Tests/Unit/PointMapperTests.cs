using RedProperty.Iot.Domain.Contract;
using RedProperty.Iot.Domain.Registry;
using RedProperty.Iot.Hub.TimeSeries;

namespace RedProperty.Iot.Hub.Tests.Unit;

public sealed class PointMapperTests
{
    private const long Ts = 1764400000123;

    private static Device Device(DeviceKind kind, string zone = "grid-1", string id = "dev-1") =>
        new("jiahua", id, kind, zone, "南门", "hash", 30, null, null);

    [Fact]
    public void Maps_each_kind_to_its_measurement_with_site_zone_device_tags()
    {
        Assert.Equal(
            "camera,device=dev-1,site=jiahua,zone=grid-1 ebike=true,fps=25.5,motion=false,online=true,persons=3i,seq=9i,tamper=false 1764400000123",
            PointMapper.Telemetry(Device(DeviceKind.Camera), new CameraTelemetry { Online = true, Motion = false, Persons = 3, Ebike = true, Tamper = false, Fps = 25.5, Seq = 9 }, null, Ts));
        Assert.Equal(
            "light,device=dev-1,site=jiahua,zone=grid-1 currentA=0.01,lux=2.5,on=true 1764400000123",
            PointMapper.Telemetry(Device(DeviceKind.Light), new LightTelemetry { On = true, Lux = 2.5, CurrentA = 0.01 }, null, Ts));
        Assert.Equal(
            "elevator,device=dev-1,site=jiahua,zone=grid-1 doorOpen=false,fault=\"E07\",faulted=true,floor=-1i 1764400000123",
            PointMapper.Telemetry(Device(DeviceKind.Elevator), new ElevatorTelemetry { Floor = -1, DoorOpen = false, FaultReported = true, Fault = "E07" }, null, Ts));
        Assert.Equal(
            "elevator,device=dev-1,site=jiahua,zone=grid-1 fault=\"\",faulted=false 1764400000123",
            PointMapper.Telemetry(Device(DeviceKind.Elevator), new ElevatorTelemetry { FaultReported = true }, null, Ts));
        Assert.Equal(
            "charger,circuit=stairwell,device=dev-1,site=jiahua,zone=grid-1 currentA=2.5,plugged=false,smoke=false,tempC=31 1764400000123",
            PointMapper.Telemetry(Device(DeviceKind.Charger), new ChargerTelemetry { CurrentA = 2.5, Plugged = false, Smoke = false, TempC = 31 }, ChargerCircuit.Stairwell, Ts));
    }

    [Theory]
    [InlineData("grid 1", "zone=grid\\ 1")]
    [InlineData("a,b", "zone=a\\,b")]
    [InlineData("a=b", "zone=a\\=b")]
    [InlineData("x\"y", "zone=x\"y")]
    [InlineData("x\\y", "zone=x\\y")]
    [InlineData("第一网格 A", "zone=第一网格\\ A")]
    [InlineData("g, x=1 y", "zone=g\\,\\ x\\=1\\ y")]
    public void Escapes_hostile_zone_ids_so_they_stay_one_tag_value(string zone, string expectedTag)
    {
        var line = PointMapper.Telemetry(Device(DeviceKind.Light, zone), new LightTelemetry { On = true }, null, Ts);
        Assert.Contains(expectedTag + " on=true", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line);
    }

    [Theory]
    [InlineData("E\"1", "fault=\"E\\\"1\"")]
    [InlineData("E\\1", "fault=\"E\\\\1\"")]
    [InlineData("a b,c=d", "fault=\"a b,c=d\"")]
    public void Escapes_string_field_values(string fault, string expectedField)
    {
        var line = PointMapper.Telemetry(Device(DeviceKind.Elevator), new ElevatorTelemetry { FaultReported = true, Fault = fault }, null, Ts);
        Assert.Contains(expectedField, line, StringComparison.Ordinal);
    }

    [Fact]
    public void Maps_events_with_type_and_kind_tags()
    {
        var deviceEvent = new DeviceEvent
        {
            Type = "ebike_detected",
            Confidence = 0.93,
            Attributes = [new("camera", "cam 1"), new("count", 2.0), new("night", true)],
        };
        Assert.Equal(
            "events,device=dev-1,kind=camera,site=jiahua,type=ebike_detected,zone=grid-1 camera=\"cam 1\",confidence=0.93,count=2,night=true 1764400000123",
            PointMapper.Event(Device(DeviceKind.Camera), deviceEvent, Ts));
    }

    [Fact]
    public void Maps_status()
    {
        Assert.Equal(
            "device_status,device=dev-1,kind=light,site=jiahua,zone=grid-1 online=false 1764400000123",
            PointMapper.Status(Device(DeviceKind.Light), DeviceStatus.Offline, Ts));
    }
}
