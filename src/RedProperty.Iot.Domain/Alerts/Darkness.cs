using RedProperty.Iot.Domain.Registry;

namespace RedProperty.Iot.Domain.Alerts;

/// <summary>Whether it is dark at a site: the broken-light rule only judges lamps at night.</summary>
public interface ISiteDarkness
{
    bool IsDark(Site site, DateTimeOffset at);
}

/// <summary>
/// Darkness from the sun's position (NOAA's solar equations, accurate to about a minute for
/// sunrise and sunset): dark while the sun is below <see cref="DarkBelowDegrees"/>. A site without
/// coordinates counts as dark from 18:00 to 06:00 in its time zone.
/// </summary>
public sealed class SolarDarkness : ISiteDarkness
{
    /// <summary>Sunset and sunrise: the sun's upper limb on the horizon, refraction included.</summary>
    public const double DarkBelowDegrees = -0.833;

    public bool IsDark(Site site, DateTimeOffset at)
    {
        if (site.Latitude is not { } latitude || site.Longitude is not { } longitude)
        {
            var local = TimeZoneInfo.ConvertTime(at, site.TimeZone);
            return local.Hour is >= 18 or < 6;
        }

        return SunElevationDegrees(latitude, longitude, at) < DarkBelowDegrees;
    }

    public static double SunElevationDegrees(double latitude, double longitude, DateTimeOffset at)
    {
        var utc = at.UtcDateTime;
        var julianDay = (utc - new DateTime(2000, 1, 1, 12, 0, 0, DateTimeKind.Utc)).TotalDays + 2451545.0;
        var t = (julianDay - 2451545.0) / 36525.0;

        var meanLongitude = Normalize(280.46646 + (t * (36000.76983 + (t * 0.0003032))));
        var meanAnomaly = 357.52911 + (t * (35999.05029 - (0.0001537 * t)));
        var eccentricity = 0.016708634 - (t * (0.000042037 + (0.0000001267 * t)));
        var m = Radians(meanAnomaly);
        var center = (Math.Sin(m) * (1.914602 - (t * (0.004817 + (0.000014 * t))))) + (Math.Sin(2 * m) * (0.019993 - (0.000101 * t))) + (Math.Sin(3 * m) * 0.000289);
        var trueLongitude = meanLongitude + center;
        var omega = 125.04 - (1934.136 * t);
        var apparentLongitude = trueLongitude - 0.00569 - (0.00478 * Math.Sin(Radians(omega)));
        var meanObliquity = 23 + ((26 + ((21.448 - (t * (46.815 + (t * (0.00059 - (t * 0.001813)))))) / 60)) / 60);
        var obliquity = meanObliquity + (0.00256 * Math.Cos(Radians(omega)));
        var declination = Math.Asin(Math.Sin(Radians(obliquity)) * Math.Sin(Radians(apparentLongitude)));

        var y = Math.Pow(Math.Tan(Radians(obliquity) / 2), 2);
        var l0 = Radians(meanLongitude);
        var equationOfTimeMinutes = 4 * Degrees(
            (y * Math.Sin(2 * l0)) - (2 * eccentricity * Math.Sin(m)) + (4 * eccentricity * y * Math.Sin(m) * Math.Cos(2 * l0))
            - (0.5 * y * y * Math.Sin(4 * l0)) - (1.25 * eccentricity * eccentricity * Math.Sin(2 * m)));

        var minutesOfDay = utc.TimeOfDay.TotalMinutes;
        var trueSolarTime = Modulo(minutesOfDay + equationOfTimeMinutes + (4 * longitude), 1440);
        var hourAngle = (trueSolarTime / 4) - 180;
        var lat = Radians(latitude);
        var cosZenith = (Math.Sin(lat) * Math.Sin(declination)) + (Math.Cos(lat) * Math.Cos(declination) * Math.Cos(Radians(hourAngle)));
        return 90 - Degrees(Math.Acos(Math.Clamp(cosZenith, -1, 1)));
    }

    private static double Radians(double degrees) => degrees * Math.PI / 180;

    private static double Degrees(double radians) => radians * 180 / Math.PI;

    private static double Normalize(double degrees) => Modulo(degrees, 360);

    private static double Modulo(double value, double modulus) => ((value % modulus) + modulus) % modulus;
}
