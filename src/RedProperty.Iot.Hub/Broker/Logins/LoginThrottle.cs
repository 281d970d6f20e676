using System.Collections.Concurrent;
using System.Net;

namespace RedProperty.Iot.Hub.Broker.Logins;

/// <summary>
/// Remembers failed broker logins per remote address and per user name and turns them into delays.
/// After <see cref="MqttLimitsOptions.FreeFailedLogins"/> failures a refusal is answered later and
/// later (1 s, 2 s, 4 s … up to the maximum), and from such an address a key-stretched secret is
/// checked at most once per delay. A correct secret is never delayed, and a failure is forgotten after
/// <see cref="ForgetAfter"/> of quiet, so nobody — least of all a stranger — can lock a device out.
/// Runs on the real clock.
/// </summary>
public sealed class LoginThrottle(Transport.MqttLimitsOptions limits)
{
    public const int MaxTracked = 100_000;

    public static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(15);

    private readonly ConcurrentDictionary<IPAddress, Failures> _byAddress = new();
    private readonly ConcurrentDictionary<string, Failures> _byUser = new(StringComparer.Ordinal);
    private long _lastPrune = TimeProvider.System.GetTimestamp();

    /// <summary>How long a refusal for this attempt is held back.</summary>
    public TimeSpan RefusalDelay(IPAddress? address, string? knownUser)
    {
        var now = TimeProvider.System.GetTimestamp();
        var fromAddress = address is not null && _byAddress.TryGetValue(address, out var a) ? a.Count(now) : 0;
        var forUser = knownUser is not null && _byUser.TryGetValue(knownUser, out var u) ? u.Count(now) : 0;
        return DelayFor(Math.Max(fromAddress, forUser));
    }

    /// <summary>
    /// True when a key-stretched check may start for an attempt from <paramref name="address"/>: while the
    /// address's failures and running checks are below the threshold, then once per current delay (so a
    /// device behind the same NAT as an attacker still gets a turn). A true must be followed by <see cref="CheckDone"/>.
    /// </summary>
    public bool TryStartCheck(IPAddress? address)
    {
        if (address is null)
        {
            return true;
        }

        var now = TimeProvider.System.GetTimestamp();
        if (!_byAddress.TryGetValue(address, out var failures))
        {
            if (_byAddress.Count >= MaxTracked)
            {
                return false;
            }

            failures = _byAddress.GetOrAdd(address, _ => new Failures());
        }

        return failures.TryStart(now, limits.FreeFailedLogins, DelayFor);
    }

    public void CheckDone(IPAddress? address)
    {
        if (address is not null && _byAddress.TryGetValue(address, out var failures))
        {
            failures.Done();
        }
    }

    public void Failed(IPAddress? address, string? knownUser)
    {
        var now = TimeProvider.System.GetTimestamp();
        var lastPrune = Interlocked.Read(ref _lastPrune);
        if (TimeProvider.System.GetElapsedTime(lastPrune, now) > TimeSpan.FromMinutes(1) && Interlocked.CompareExchange(ref _lastPrune, now, lastPrune) == lastPrune)
        {
            Prune();
        }

        if (address is not null)
        {
            Track(_byAddress, address, now);
        }

        if (knownUser is not null)
        {
            Track(_byUser, knownUser, now);
        }
    }

    /// <summary>Drops what has been quiet for <see cref="ForgetAfter"/>.</summary>
    private void Prune()
    {
        var now = TimeProvider.System.GetTimestamp();
        foreach (var entry in _byAddress)
        {
            if (entry.Value.IsIdle(now))
            {
                _byAddress.TryRemove(entry);
            }
        }

        foreach (var entry in _byUser)
        {
            if (entry.Value.Count(now) == 0)
            {
                _byUser.TryRemove(entry);
            }
        }
    }

    private TimeSpan DelayFor(int failures)
    {
        var over = failures - limits.FreeFailedLogins;
        if (over <= 0)
        {
            return TimeSpan.Zero;
        }

        var seconds = Math.Min(limits.MaxLoginDelaySeconds, Math.Pow(2, Math.Min(over - 1, 20)));
        return TimeSpan.FromSeconds(seconds);
    }

    private static void Track<TKey>(ConcurrentDictionary<TKey, Failures> table, TKey key, long now)
        where TKey : notnull
    {
        // Past the bound new keys are not tracked; those tracked already keep counting.
        if (table.TryGetValue(key, out var failures) || (table.Count < MaxTracked && (failures = table.GetOrAdd(key, _ => new Failures())) is not null))
        {
            failures.Add(now);
        }
    }

    private sealed class Failures
    {
        private readonly Lock _lock = new();
        private int _count;
        private long _last;
        private long _lastTurn;
        private int _running;

        public int Count(long now)
        {
            lock (_lock)
            {
                return TimeProvider.System.GetElapsedTime(_last, now) > ForgetAfter ? 0 : _count;
            }
        }

        public bool IsIdle(long now)
        {
            lock (_lock)
            {
                return _running == 0 && TimeProvider.System.GetElapsedTime(Math.Max(_last, _lastTurn), now) > ForgetAfter;
            }
        }

        public void Add(long now)
        {
            lock (_lock)
            {
                _count = TimeProvider.System.GetElapsedTime(_last, now) > ForgetAfter ? 1 : _count + 1;
                _last = now;
            }
        }

        public bool TryStart(long now, int free, Func<int, TimeSpan> delayFor)
        {
            lock (_lock)
            {
                var pending = Count(now) + _running;
                if (pending < free || _lastTurn == 0 || TimeProvider.System.GetElapsedTime(_lastTurn, now) >= delayFor(pending))
                {
                    _lastTurn = now;
                    _running++;
                    return true;
                }

                return false;
            }
        }

        public void Done()
        {
            lock (_lock)
            {
                _running--;
            }
        }
    }
}
