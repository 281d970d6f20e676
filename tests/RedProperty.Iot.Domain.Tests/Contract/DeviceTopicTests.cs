using RedProperty.Iot.Domain.Contract;

namespace RedProperty.Iot.Domain.Tests.Contract;

public sealed class DeviceTopicTests
{
    [Theory]
    [InlineData("rp/jiahua/camera/cam-south-gate/telemetry", "jiahua", DeviceKind.Camera, "cam-south-gate", DeviceChannel.Telemetry)]
    [InlineData("rp/a/light/L_1/event", "a", DeviceKind.Light, "L_1", DeviceChannel.Event)]
    [InlineData("rp/site-2/elevator/lift-24a/status", "site-2", DeviceKind.Elevator, "lift-24a", DeviceChannel.Status)]
    [InlineData("rp/x9/charger/chg-b24-corr-3/cmd", "x9", DeviceKind.Charger, "chg-b24-corr-3", DeviceChannel.Cmd)]
    public void Parses_a_well_formed_topic(string topic, string site, DeviceKind kind, string deviceId, DeviceChannel channel)
    {
        Assert.True(DeviceTopic.TryParse(topic, out var parsed, out _));
        Assert.Equal(new DeviceTopic(site, kind, deviceId, channel), parsed);
        Assert.Equal(topic, parsed.ToString());
    }

    [Theory]
    [InlineData("", RejectionReason.MalformedTopic)]
    [InlineData("rp/jiahua/camera/cam-1", RejectionReason.MalformedTopic)]
    [InlineData("rp/jiahua/camera/cam-1/telemetry/x", RejectionReason.MalformedTopic)]
    [InlineData("xx/jiahua/camera/cam-1/telemetry", RejectionReason.MalformedTopic)]
    [InlineData("/rp/jiahua/camera/cam-1/telemetry", RejectionReason.MalformedTopic)]
    [InlineData("rp//camera/cam-1/telemetry", RejectionReason.InvalidSite)]
    [InlineData("rp/JiaHua/camera/cam-1/telemetry", RejectionReason.InvalidSite)]
    [InlineData("rp/jia_hua/camera/cam-1/telemetry", RejectionReason.InvalidSite)]
    [InlineData("rp/abcdefghijklmnopqrstuvwxyz0123456/camera/cam-1/telemetry", RejectionReason.InvalidSite)]
    [InlineData("rp/jiahua/Camera/cam-1/telemetry", RejectionReason.UnknownKind)]
    [InlineData("rp/jiahua/doorbell/cam-1/telemetry", RejectionReason.UnknownKind)]
    [InlineData("rp/jiahua/edge/edge-box/event", RejectionReason.UnknownKind)] // the box's own kind is not a device's
    [InlineData("rp/jiahua/camera/cam 1/telemetry", RejectionReason.InvalidDeviceId)]
    [InlineData("rp/jiahua/camera/cam,1/telemetry", RejectionReason.InvalidDeviceId)]
    [InlineData("rp/jiahua/camera/摄像头/telemetry", RejectionReason.InvalidDeviceId)]
    [InlineData("rp/jiahua/camera/+/telemetry", RejectionReason.InvalidDeviceId)]
    [InlineData("rp/jiahua/camera//telemetry", RejectionReason.InvalidDeviceId)]
    [InlineData("rp/jiahua/camera/cam-1/Telemetry", RejectionReason.UnknownChannel)]
    [InlineData("rp/jiahua/camera/cam-1/#", RejectionReason.UnknownChannel)]
    public void Refuses_a_bad_topic_with_its_reason(string topic, RejectionReason reason)
    {
        Assert.False(DeviceTopic.TryParse(topic, out _, out var rejection));
        Assert.Equal(reason, rejection.Reason);
        Assert.False(string.IsNullOrEmpty(rejection.Detail));
    }

    [Fact]
    public void Device_ids_are_limited_to_64_characters()
    {
        Assert.True(DeviceTopic.IsDeviceId(new string('a', 64)));
        Assert.False(DeviceTopic.IsDeviceId(new string('a', 65)));
        Assert.True(DeviceTopic.IsSiteId(new string('a', 32)));
        Assert.False(DeviceTopic.IsSiteId(new string('a', 33)));
    }
}
