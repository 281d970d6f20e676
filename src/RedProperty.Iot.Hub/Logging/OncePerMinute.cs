using System.Collections.Concurrent;

namespace RedProperty.Iot.Hub.Logging;

/// <summary>
/// Decides whether a refusal is worth a log line: once per (reason, source) per minute, so a client
/// that repeats the same mistake thousands of times a second is counted in /metrics but logged once.
/// Bounded: with more distinct sources than <see cref="MaxSources"/> in a minute, the rest are not logged.
/// </summary>
public sealed class OncePerMinute
{
    public const int MaxSources = 10_000;

    private static readonly long Minute = TimeProvider.System.TimestampFrequency * 60;
    private readonly ConcurrentDictionary<(string Reason, string Source), long> _lastLogged = new();
    private long _windowStart = TimeProvider.System.GetTimestamp();

    public bool ShouldLog(string reason, string source)
    {
        var now = TimeProvider.System.GetTimestamp();
        var windowStart = Interlocked.Read(ref _windowStart);
        if (now - windowStart > Minute && Interlocked.CompareExchange(ref _windowStart, now, windowStart) == windowStart)
        {
            foreach (var entry in _lastLogged)
            {
                if (now - entry.Value > Minute)
                {
                    _lastLogged.TryRemove(entry);
                }
            }
        }

        var key = (reason, source);
        if (_lastLogged.TryGetValue(key, out var last))
        {
            return now - last > Minute && _lastLogged.TryUpdate(key, now, last);
        }

        return _lastLogged.Count < MaxSources && _lastLogged.TryAdd(key, now);
    }
}
