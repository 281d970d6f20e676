using System.Globalization;

namespace RedProperty.Iot.Domain.Field;

/// <summary>
/// When a member of staff is on duty, week by week, in the site's local time: entries such as
/// <c>mon-fri 08:00-18:00</c>, <c>sat,sun 09:00-17:00</c>, <c>daily 20:00-08:00</c> (a shift that ends at or
/// before its start runs into the next day, which a night shift needs).
/// </summary>
public sealed class WeeklyRoster
{
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    private readonly List<(DayOfWeek Day, TimeSpan Start, TimeSpan Length)> _shifts;

    private WeeklyRoster(List<(DayOfWeek, TimeSpan, TimeSpan)> shifts) => _shifts = shifts;

    public static WeeklyRoster None { get; } = new([]);

    public bool IsEmpty => _shifts.Count == 0;

    /// <summary>Reads roster entries; <paramref name="errors"/> gets one message per entry that is not understood.</summary>
    public static WeeklyRoster Parse(IEnumerable<string> entries, out List<string> errors)
    {
        errors = [];
        var shifts = new List<(DayOfWeek, TimeSpan, TimeSpan)>();
        foreach (var entry in entries)
        {
            var parts = entry.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || Days(parts[0]) is not { } days || Hours(parts[1]) is not var (start, end))
            {
                errors.Add($"'{entry}' is not a shift like 'mon-fri 08:00-18:00', 'sat,sun 09:00-17:00' or 'daily 20:00-08:00'");
                continue;
            }

            var length = end > start ? end - start : end + TimeSpan.FromDays(1) - start;
            shifts.AddRange(days.Select(d => (d, start, length)));
        }

        return new WeeklyRoster(shifts);
    }

    /// <summary>Whether a shift covers <paramref name="local"/> (the site's local time).</summary>
    public bool Covers(DateTime local)
    {
        foreach (var (day, start, length) in _shifts)
        {
            // The shift of the same day, or of the day before when it runs past midnight.
            for (var back = 0; back <= 1; back++)
            {
                var date = local.Date.AddDays(-back);
                if (date.DayOfWeek == day && local >= date + start && local < date + start + length)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static DayOfWeek[]? Days(string text)
    {
        if (text.Equals("daily", StringComparison.OrdinalIgnoreCase))
        {
            return Enum.GetValues<DayOfWeek>();
        }

        var days = new List<DayOfWeek>();
        foreach (var part in text.ToLowerInvariant().Split(','))
        {
            var range = part.Split('-');
            if (range.Length is < 1 or > 2 || range.Any(r => Array.IndexOf(DayNames, r) < 0))
            {
                return null;
            }

            var from = Array.IndexOf(DayNames, range[0]);
            var to = Array.IndexOf(DayNames, range[^1]);
            // mon-fri, and fri-mon across the weekend.
            for (var d = from; ; d = (d + 1) % 7)
            {
                days.Add((DayOfWeek)d);
                if (d == to)
                {
                    break;
                }
            }
        }

        return [.. days.Distinct()];
    }

    private static (TimeSpan Start, TimeSpan End)? Hours(string text)
    {
        var range = text.Split('-');
        return range.Length == 2 && Clock(range[0]) is { } start && Clock(range[1]) is { } end && start < TimeSpan.FromDays(1) ? (start, end) : null;
    }

    private static TimeSpan? Clock(string text) =>
        text == "24:00" ? TimeSpan.FromDays(1)
        : TimeSpan.TryParseExact(text, @"hh\:mm", CultureInfo.InvariantCulture, out var time) ? time : null;
}
