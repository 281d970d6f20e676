using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace RedProperty.Iot.Hub.Staff;

/// <summary>How long a login attempt must wait: for its user name at its address or for its address (<see cref="Here"/>), and for its user name anywhere (<see cref="User"/>).</summary>
public readonly record struct LoginWait(TimeSpan Here, TimeSpan User);

/// <summary>
/// Wrong logins counted in memory, per user name and address, per address, and per user name: after a few
/// free ones, each further wrong password doubles the wait before the next attempt is even checked, up to
/// <see cref="StaffLoginOptions.MaxDelay"/>. Nothing is ever locked: the wait ends by itself, counts are
/// forgotten after a quiet hour or so, and a success clears its user name at its address.
/// <para>
/// The per-user wait only counts once the user name has failed from <see cref="StaffLoginOptions.UserAddresses"/>
/// different addresses (a single guesser is held back by the other two counters), and the caller lets an
/// address the user recently signed in from pass it, so a stranger cannot keep the owner out where they work.
/// </para>
/// <para>
/// Counts, not requests, so ASP.NET Core's rate limiters (which count requests) do not fit; they handle the
/// per-address request rate in front of this. Unknown user names are counted exactly like known ones.
/// </para>
/// </summary>
public sealed class LoginThrottle : IDisposable
{
    private readonly StaffLoginOptions _options;
    private readonly TimeProvider _time;
    private readonly TimeSpan _forgetAfter;
    private readonly Lock _create = new();

    // Bounded: names and addresses come from strangers. The cache's own expiry only frees memory; counts
    // are forgotten by the hub's clock (Failures), so the rules hold whatever the cache does.
    private readonly MemoryCache _counts = new(new MemoryCacheOptions { SizeLimit = 200_000 });

    public LoginThrottle(IOptions<StaffOptions> options, TimeProvider time)
    {
        _options = options.Value.Login;
        _time = time;
        _forgetAfter = _options.MaxDelay * 4 > TimeSpan.FromHours(1) ? _options.MaxDelay * 4 : TimeSpan.FromHours(1);
    }

    /// <summary>The key a user name is counted under (the database compares names without case).</summary>
    public static string KeyOf(string username) => username.Trim().ToLowerInvariant();

    public LoginWait Check(string user, string address)
    {
        var now = _time.GetUtcNow();
        var here = Max(
            WaitOf(Find(PairKey(user, address)), _options.FreeFailures, now),
            WaitOf(Find(AddressKey(address)), _options.AddressFreeFailures, now));
        var userCount = Find(UserKey(user));
        var anywhere = userCount is not null && userCount.AddressCount(now, _forgetAfter) >= _options.UserAddresses
            ? WaitOf(userCount, _options.UserFreeFailures, now)
            : TimeSpan.Zero;
        return new LoginWait(here, anywhere);
    }

    public void Failed(string user, string address)
    {
        var now = _time.GetUtcNow();
        Get(PairKey(user, address))?.Add(now, null, _forgetAfter);
        Get(AddressKey(address))?.Add(now, null, _forgetAfter);
        Get(UserKey(user))?.Add(now, address, _forgetAfter);
    }

    /// <summary>The right password: this user name at this address starts afresh (the address and user counts do not).</summary>
    public void Succeeded(string user, string address) => _counts.Remove(PairKey(user, address));

    public void Dispose() => _counts.Dispose();

    private static string PairKey(string user, string address) => $"p\n{user}\n{address}";

    private static string AddressKey(string address) => $"a\n{address}";

    private static string UserKey(string user) => $"u\n{user}";

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private Failures? Find(string key) => _counts.TryGetValue(key, out Failures? failures) ? failures : null;

    private Failures? Get(string key)
    {
        if (_counts.TryGetValue(key, out Failures? failures))
        {
            return failures;
        }

        // Two first failures at once must not each start a count of their own.
        lock (_create)
        {
            if (_counts.TryGetValue(key, out failures))
            {
                return failures;
            }

            // Set refuses entries beyond the size limit (and compacts): then this failure goes uncounted.
            _counts.Set(key, new Failures(), new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = _forgetAfter });
            return _counts.TryGetValue(key, out failures) ? failures : null;
        }
    }

    private TimeSpan WaitOf(Failures? failures, int free, DateTimeOffset now)
    {
        if (failures is null)
        {
            return TimeSpan.Zero;
        }

        var (count, last) = failures.Read(now, _forgetAfter);
        if (count < free)
        {
            return TimeSpan.Zero;
        }

        var exponent = Math.Min(count - free, 30);
        var delay = TimeSpan.FromSeconds(Math.Min(Math.Pow(2, exponent), _options.MaxDelay.TotalSeconds));
        var left = last + delay - now;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    private sealed class Failures
    {
        private const int MaxAddresses = 32;
        private readonly Lock _lock = new();
        private int _count;
        private DateTimeOffset _last;
        private HashSet<string>? _addresses;

        public int AddressCount(DateTimeOffset now, TimeSpan forgetAfter)
        {
            lock (_lock)
            {
                return now - _last > forgetAfter ? 0 : _addresses?.Count ?? 0;
            }
        }

        public (int Count, DateTimeOffset Last) Read(DateTimeOffset now, TimeSpan forgetAfter)
        {
            lock (_lock)
            {
                return now - _last > forgetAfter ? (0, _last) : (_count, _last);
            }
        }

        public void Add(DateTimeOffset at, string? address, TimeSpan forgetAfter)
        {
            lock (_lock)
            {
                if (at - _last > forgetAfter)
                {
                    // A quiet spell: start counting afresh.
                    _count = 0;
                    _addresses?.Clear();
                }

                _count++;
                _last = at;
                if (address is not null && (_addresses ??= new HashSet<string>(StringComparer.Ordinal)).Count < MaxAddresses)
                {
                    _addresses.Add(address);
                }
            }
        }
    }
}
