using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Domain.Registry;

namespace RedProperty.Iot.Domain.Tests.Alerts;

public sealed class SolarDarknessTests
{
    // Changsha (28.11 N, 113.01 E), UTC+8. Published times for 2026-06-21: sunrise about 05:43, sunset about 19:24;
    // for 2026-12-21: sunrise about 07:22, sunset about 17:33.
    private static readonly Site Changsha = new("jiahua", "嘉华城", TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"), 28.11, 113.01, new Dictionary<string, Zone>(), new Dictionary<string, Device>());

    private static DateTimeOffset Local(int month, int day, int hour, int minute) => new(2026, month, day, hour, minute, 0, TimeSpan.FromHours(8));

    [Theory]
    [InlineData(6, 21, 5, 30, true)]
    [InlineData(6, 21, 6, 0, false)]
    [InlineData(6, 21, 12, 0, false)]
    [InlineData(6, 21, 19, 10, false)]
    [InlineData(6, 21, 19, 40, true)]
    [InlineData(12, 21, 7, 5, true)]
    [InlineData(12, 21, 7, 40, false)]
    [InlineData(12, 21, 17, 20, false)]
    [InlineData(12, 21, 17, 50, true)]
    [InlineData(12, 21, 0, 0, true)]
    public void Dark_between_sunset_and_sunrise(int month, int day, int hour, int minute, bool dark)
    {
        Assert.Equal(dark, new SolarDarkness().IsDark(Changsha, Local(month, day, hour, minute)));
    }

    [Fact]
    public void The_sun_is_high_at_local_noon_in_summer()
    {
        var elevation = SolarDarkness.SunElevationDegrees(28.11, 113.01, Local(6, 21, 12, 30));
        Assert.InRange(elevation, 83, 86); // 90 - (28.11 - 23.44) ≈ 85.3 at solar noon
    }

    [Fact]
    public void Without_coordinates_night_is_18_to_6_local_time()
    {
        var site = Changsha with { Latitude = null, Longitude = null };
        Assert.True(new SolarDarkness().IsDark(site, Local(6, 21, 18, 0)));
        Assert.False(new SolarDarkness().IsDark(site, Local(6, 21, 17, 59)));
        Assert.True(new SolarDarkness().IsDark(site, Local(6, 21, 5, 59)));
        Assert.False(new SolarDarkness().IsDark(site, Local(6, 21, 6, 0)));
    }
}
