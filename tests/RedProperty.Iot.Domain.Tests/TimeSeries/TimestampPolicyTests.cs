using RedProperty.Iot.Domain.TimeSeries;

namespace RedProperty.Iot.Domain.Tests.TimeSeries;

public sealed class TimestampPolicyTests
{
    private const long Now = 1764400000000;

    [Theory]
    [InlineData(Now, Now, false)]
    [InlineData(Now - 300_000, Now - 300_000, false)]
    [InlineData(Now + 300_000, Now + 300_000, false)]
    [InlineData(Now - 300_001, Now, true)]
    [InlineData(Now + 300_001, Now, true)]
    [InlineData(0L, Now, true)]
    public void Uses_the_device_time_within_five_minutes_else_the_receive_time(long deviceTs, long expected, bool corrected)
    {
        Assert.Equal(expected, TimestampPolicy.Choose(deviceTs, Now, out var wasCorrected));
        Assert.Equal(corrected, wasCorrected);
    }

    [Fact]
    public void Uses_the_receive_time_when_the_device_sends_none()
    {
        Assert.Equal(Now, TimestampPolicy.Choose(null, Now, out var corrected));
        Assert.False(corrected);
    }
}
