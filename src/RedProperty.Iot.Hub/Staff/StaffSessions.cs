using System.Security.Claims;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace RedProperty.Iot.Hub.Staff;

/// <summary>
/// Whether a token's, cookie's or desk connection's account is still as it was when it was issued: enabled,
/// with the same security stamp. The answer is cached for <see cref="StaffOptions.SessionCheck"/> per account,
/// so a request costs no database read; a change made through the hub drops the cached answer at once and
/// tells <see cref="AccountChanged"/> (the desk ends that account's connections).
/// </summary>
public sealed class StaffSessions(StaffDirectory directory, IOptions<StaffOptions> options) : IDisposable
{
    private readonly MemoryCache _states = new(new MemoryCacheOptions { SizeLimit = 10_000 });
    private long _generation;

    /// <summary>Raised with the user name after a change of its password, role, sites or access.</summary>
    public event Action<string>? AccountChanged;

    public TimeSpan CheckEvery => options.Value.SessionCheck;

    public async ValueTask<bool> IsCurrentAsync(ClaimsPrincipal? user, CancellationToken cancellationToken = default)
    {
        var name = user?.Identity?.Name;
        var stamp = user?.FindFirstValue(StaffClaims.Stamp);
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(stamp))
        {
            // Issued before accounts had stamps, or not by this hub.
            return false;
        }

        var state = await StateAsync(name, cancellationToken).ConfigureAwait(false);
        return !state.Disabled && string.Equals(state.Stamp, stamp, StringComparison.Ordinal);
    }

    /// <summary>After a change made through the hub: forget the cached answer and end the account's live sessions.</summary>
    public void Changed(string username)
    {
        Interlocked.Increment(ref _generation);
        _states.Remove(LoginThrottle.KeyOf(username));
        AccountChanged?.Invoke(username);
    }

    public void Dispose() => _states.Dispose();

    private async ValueTask<State> StateAsync(string username, CancellationToken cancellationToken)
    {
        var key = LoginThrottle.KeyOf(username);
        if (_states.TryGetValue(key, out State? cached) && cached is not null)
        {
            return cached;
        }

        var generation = Interlocked.Read(ref _generation);
        var read = await directory.SessionStateAsync(username, cancellationToken).ConfigureAwait(false);
        var state = read is { } found ? new State(found.Stamp, found.Disabled) : new State(null, true);
        // A change committed while this was read must not be hidden behind the older answer.
        if (Interlocked.Read(ref _generation) == generation)
        {
            _states.Set(key, state, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = CheckEvery });
        }

        return state;
    }

    private sealed record State(string? Stamp, bool Disabled);
}
