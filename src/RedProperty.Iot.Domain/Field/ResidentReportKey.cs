namespace RedProperty.Iot.Domain.Field;

/// <summary>
/// The device id of a residents' report alert, <c>resident/{category}/{place}</c>: one alert per place and
/// category while it is open, so neighbours reporting the same thing make one job.
/// </summary>
public static class ResidentReportKey
{
    private const string Prefix = "resident/";

    public static string DeviceIdOf(string category, string place) => $"{Prefix}{category}/{place}";

    /// <summary>The category and place a resident's alert names; false for any other device id.</summary>
    public static bool TryParse(string deviceId, out string category, out string place)
    {
        (category, place) = (string.Empty, string.Empty);
        if (!deviceId.StartsWith(Prefix, StringComparison.Ordinal) || deviceId.IndexOf('/', Prefix.Length) is var slash && slash <= Prefix.Length || slash == deviceId.Length - 1)
        {
            return false;
        }

        (category, place) = (deviceId[Prefix.Length..slash], deviceId[(slash + 1)..]);
        return true;
    }
}
