using RedProperty.Iot.Domain.Field;
using RedProperty.Iot.Domain.Registry;

namespace RedProperty.Iot.Domain.Tests.Field;

public sealed class DispatchTests
{
    private static readonly Site Jiahua = new("jiahua", "嘉华城", TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"), null, null,
        new Dictionary<string, Zone> { ["grid-1"] = new("grid-1", "第一网格", "area"), ["grid-2"] = new("grid-2", "第二网格", "area") },
        new Dictionary<string, Device>());

    /// <summary>Tuesday 1 December 2026 in Shanghai.</summary>
    private static DateTimeOffset Tue(int hour, int minute = 0) => new(2026, 12, 1, hour, minute, 0, TimeSpan.FromHours(8));

    private static WeeklyRoster Roster(params string[] entries)
    {
        var roster = WeeklyRoster.Parse(entries, out var errors);
        Assert.Empty(errors);
        return roster;
    }

    private static GridWorker Worker(string name, string? zone, WeeklyRoster roster, bool? onDuty = null, bool canAct = true, string[]? sites = null) =>
        new(name, canAct, sites?.ToHashSet(StringComparer.Ordinal), zone is null ? new HashSet<ZoneRef>() : new HashSet<ZoneRef> { new("jiahua", zone) }, onDuty, roster);

    private static readonly Dictionary<string, int> NoLoad = new(StringComparer.OrdinalIgnoreCase);

    [Fact]
    public void A_roster_covers_day_shifts_weekends_and_night_shifts_into_the_next_day()
    {
        var roster = Roster("mon-fri 08:00-18:00", "sat,sun 09:00-12:00", "fri-mon 22:00-06:00");
        Assert.True(roster.Covers(new DateTime(2026, 12, 1, 8, 0, 0)));      // Tuesday 08:00
        Assert.False(roster.Covers(new DateTime(2026, 12, 1, 18, 0, 0)));    // Tuesday 18:00: the shift has ended
        Assert.True(roster.Covers(new DateTime(2026, 12, 5, 11, 59, 0)));    // Saturday
        Assert.False(roster.Covers(new DateTime(2026, 12, 5, 12, 0, 0)));
        Assert.True(roster.Covers(new DateTime(2026, 12, 5, 2, 0, 0)));      // Saturday 02:00, Friday's night shift
        Assert.True(roster.Covers(new DateTime(2026, 12, 8, 5, 59, 0)));     // Tuesday 05:59, Monday's night shift
        Assert.False(roster.Covers(new DateTime(2026, 12, 9, 2, 0, 0)));     // Wednesday 02:00: no Tuesday night shift
        Assert.True(Roster("daily 00:00-24:00").Covers(new DateTime(2026, 12, 9, 23, 59, 0)));
        Assert.False(WeeklyRoster.None.Covers(new DateTime(2026, 12, 1, 9, 0, 0)));
    }

    [Theory]
    [InlineData("weekdays 08:00-18:00")]
    [InlineData("mon-fri 8-18")]
    [InlineData("mon-fri 08:00-25:00")]
    [InlineData("mon-fri")]
    [InlineData("mon-xyz 08:00-18:00")]
    public void A_shift_that_is_not_understood_is_refused_with_the_entry(string entry)
    {
        WeeklyRoster.Parse([entry], out var errors);
        Assert.Equal($"'{entry}' is not a shift like 'mon-fri 08:00-18:00', 'sat,sun 09:00-17:00' or 'daily 20:00-08:00'", Assert.Single(errors));
    }

    [Fact]
    public void A_new_alert_goes_to_the_on_duty_staff_of_its_zone_then_of_its_site_then_to_nobody()
    {
        var days = Roster("mon-fri 08:00-18:00");
        var nights = Roster("daily 18:00-08:00");
        var staff = new[]
        {
            Worker("wang", "grid-1", days),
            Worker("li", "grid-2", days),
            Worker("zhao", "grid-1", nights),
            Worker("viewer", "grid-1", days, canAct: false),
            Worker("other-site", "grid-1", days, sites: ["elsewhere"]),
        };

        Assert.Equal("wang", Dispatch.Choose(staff, Jiahua, "grid-1", Tue(9), NoLoad));
        Assert.Equal("li", Dispatch.Choose(staff, Jiahua, "grid-2", Tue(9), NoLoad));
        // At night only zhao is on duty: grid-2's alert falls back to the site's on-duty staff.
        Assert.Equal("zhao", Dispatch.Choose(staff, Jiahua, "grid-2", Tue(23), NoLoad));
        // The desk takes wang off duty: grid-1 falls back to the site (li), and puts zhao on duty by day.
        staff[0] = staff[0] with { OnDuty = false };
        Assert.Equal("li", Dispatch.Choose(staff, Jiahua, "grid-1", Tue(9), NoLoad));
        staff[2] = staff[2] with { OnDuty = true };
        Assert.Equal("zhao", Dispatch.Choose(staff, Jiahua, "grid-1", Tue(9), NoLoad));
        // Nobody who may act on duty: the alert stays with the desk.
        Assert.Null(Dispatch.Choose([Worker("viewer", "grid-1", days, canAct: false), Worker("off", "grid-1", days, onDuty: false)], Jiahua, "grid-1", Tue(9), NoLoad));
    }

    [Fact]
    public void Among_the_zones_staff_the_one_with_the_fewest_open_alerts_gets_it()
    {
        var days = Roster("daily 08:00-18:00");
        var staff = new[] { Worker("wang", "grid-1", days), Worker("chen", "grid-1", days) };
        Assert.Equal("chen", Dispatch.Choose(staff, Jiahua, "grid-1", Tue(10), NoLoad));
        var load = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase) { ["CHEN"] = 2, ["wang"] = 1 };
        Assert.Equal("wang", Dispatch.Choose(staff, Jiahua, "grid-1", Tue(10), load));
    }

    [Theory]
    [InlineData("jiahua/grid-1", "jiahua", "grid-1")]
    [InlineData("jiahua/grid 1,a=b/c", "jiahua", "grid 1,a=b/c")]
    public void A_zone_reference_is_its_site_a_slash_and_its_zone(string text, string site, string zone)
    {
        Assert.True(ZoneRef.TryParse(text, out var parsed));
        Assert.Equal(new ZoneRef(site, zone), parsed);
        Assert.Equal(text, parsed.ToString());
        Assert.False(ZoneRef.TryParse("grid-1", out _));
        Assert.False(ZoneRef.TryParse("jiahua/", out _));
        Assert.False(ZoneRef.TryParse("/grid-1", out _));
    }
}
