namespace RedProperty.Iot.Domain.TimeSeries;

/// <summary>
/// Which time a point is stored at: the device's <c>ts</c> when it is within five minutes of the
/// hub clock, else the time the hub received it (device clocks drift, reset to 1970, or lie).
/// </summary>
public static class TimestampPolicy
{
    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(5);

    public static long Choose(long? deviceTsMs, long receivedMs, out bool corrected)
    {
        if (deviceTsMs is { } ts)
        {
            if (Math.Abs(ts - receivedMs) <= (long)MaxSkew.TotalMilliseconds)
            {
                corrected = false;
                return ts;
            }

            corrected = true;
            return receivedMs;
        }

        corrected = false;
        return receivedMs;
    }
}
