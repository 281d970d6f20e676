namespace RedProperty.Iot.Domain.TimeSeries;

/// <summary>
/// Millisecond timestamps that never repeat for one device: InfluxDB keeps one point per series
/// and time, so two points of a device in the same millisecond would silently become one.
/// </summary>
public sealed class UniqueTimestamps
{
    private long _last;

    /// <summary>The given time, or one millisecond past the previous one when it would not be later.</summary>
    public long Next(long milliseconds)
    {
        while (true)
        {
            var last = Interlocked.Read(ref _last);
            var next = milliseconds > last ? milliseconds : last + 1;
            if (Interlocked.CompareExchange(ref _last, next, last) == last)
            {
                return next;
            }
        }
    }
}
