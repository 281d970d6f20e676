using RedProperty.Iot.Domain.Registry;

namespace RedProperty.Iot.Domain.Field;

/// <summary>
/// A member of staff as dispatch sees them: whether they may act on alerts (operators and supervisors, enabled),
/// the sites they cover (null: all), the zones (grids) they look after, and when they are on duty: the desk's
/// say (<see cref="OnDuty"/>) when given, else their weekly roster.
/// </summary>
public sealed record GridWorker(string Username, bool CanAct, IReadOnlySet<string>? Sites, IReadOnlySet<ZoneRef> Zones, bool? OnDuty, WeeklyRoster Roster)
{
    public bool Covers(string site) => Sites is null || Sites.Contains(site);

    public bool IsOnDutyAt(DateTime siteLocal) => OnDuty ?? Roster.Covers(siteLocal);
}

/// <summary>A zone of a site (zone ids are unique within a site only).</summary>
public readonly record struct ZoneRef(string Site, string Zone)
{
    public override string ToString() => $"{Site}/{Zone}";

    /// <summary>Reads <c>site/zone</c>: site ids have no slash, so the first one separates them.</summary>
    public static bool TryParse(string? text, out ZoneRef zone)
    {
        var slash = text?.IndexOf('/') ?? -1;
        zone = slash > 0 && slash < text!.Length - 1 ? new ZoneRef(text[..slash], text[(slash + 1)..]) : default;
        return slash > 0 && slash < text!.Length - 1;
    }
}

public static class Dispatch
{
    /// <summary>
    /// Whom a new alert goes to: the on-duty staff of its zone, else the on-duty staff of its site; among
    /// them the one with the fewest open alerts assigned (then by name, so the choice is repeatable). Null when
    /// nobody who may act is on duty: the alert stays with the desk.
    /// </summary>
    public static string? Choose(IEnumerable<GridWorker> staff, Site site, string zone, DateTimeOffset now, IReadOnlyDictionary<string, int> openAssigned)
    {
        var local = TimeZoneInfo.ConvertTime(now, site.TimeZone).DateTime;
        var onDuty = staff.Where(w => w.CanAct && w.Covers(site.Id) && w.IsOnDutyAt(local)).ToArray();
        var ofZone = onDuty.Where(w => w.Zones.Contains(new ZoneRef(site.Id, zone))).ToArray();
        return (ofZone.Length > 0 ? ofZone : onDuty)
            .OrderBy(w => openAssigned.GetValueOrDefault(w.Username))
            .ThenBy(w => w.Username, StringComparer.Ordinal)
            .FirstOrDefault()?.Username;
    }
}
