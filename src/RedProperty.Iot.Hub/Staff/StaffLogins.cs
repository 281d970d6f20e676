using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Prometheus;
using RedProperty.Iot.Hub.Logging;
using RedProperty.Iot.Hub.Metrics;

namespace RedProperty.Iot.Hub.Staff;

public enum LoginStatus
{
    Success,

    /// <summary>Unknown user name, wrong password or disabled account: one answer for all three.</summary>
    Refused,

    /// <summary>Too many wrong passwords lately (<see cref="LoginOutcome.RetryAfter"/>).</summary>
    Throttled,

    /// <summary>Too many logins being checked at once.</summary>
    Busy,
}

public sealed record LoginOutcome(LoginStatus Status, StaffAccount? Account = null, TimeSpan RetryAfter = default);

/// <summary>
/// Checks a user name and password for a login (or a password change): first the throttle (no hashing for an
/// attempt that has to wait), then PBKDF2 under a bound of <see cref="StaffLoginOptions.MaxConcurrentHashes"/>
/// with a short queue (beyond it: <see cref="LoginStatus.Busy"/> at once, never an endless queue). A failed
/// attempt writes nothing to the database; a success records when and from where.
/// </summary>
public sealed partial class StaffLogins : IDisposable
{
    private readonly StaffDirectory _directory;
    private readonly LoginThrottle _throttle;
    private readonly StaffLoginOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<StaffLogins> _logger;
    private readonly ConcurrencyLimiter _hashing;
    private readonly Counter _logins;
    private long _lastBusyWarning = Environment.TickCount64 - 60_000;

    public StaffLogins(StaffDirectory directory, LoginThrottle throttle, IOptions<StaffOptions> options, TimeProvider time, HubMetrics metrics, ILogger<StaffLogins> logger)
    {
        _directory = directory;
        _throttle = throttle;
        _options = options.Value.Login;
        _time = time;
        _logger = logger;
        _hashing = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = _options.MaxConcurrentHashes,
            QueueLimit = _options.HashQueue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _logins = Counter(metrics);
    }

    /// <summary>Staff logins by result: success, refused, throttled, busy, rate_limited (too many requests from one address).</summary>
    public static Counter Counter(HubMetrics metrics) => Prometheus.Metrics.WithCustomRegistry(metrics.Registry)
        .CreateCounter("rp_hub_staff_logins_total", "Staff login attempts, by result (success, refused, throttled, busy, rate_limited).", "result");

    public async Task<LoginOutcome> CheckAsync(string? username, string? password, string address, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(username) || string.IsNullOrEmpty(password) || username.Length > 256 || password.Length > 1024)
        {
            return Count(new LoginOutcome(LoginStatus.Refused));
        }

        var key = LoginThrottle.KeyOf(username);
        var wait = _throttle.Check(key, address);
        var blocked = wait.Here;
        if (wait.User > blocked
            && !await _directory.SignedInFromAsync(username, address, _time.GetUtcNow().AddDays(-_options.UsualAddressDays), cancellationToken).ConfigureAwait(false))
        {
            blocked = wait.User;
        }

        if (blocked > TimeSpan.Zero)
        {
            LogThrottled(_logger, LogText.Safe(username), address, blocked.TotalSeconds);
            return Count(new LoginOutcome(LoginStatus.Throttled, RetryAfter: blocked));
        }

        var account = await _directory.FindAsync(username, cancellationToken).ConfigureAwait(false);
        PasswordVerificationResult verdict;
        using (var lease = await _hashing.AcquireAsync(1, cancellationToken).ConfigureAwait(false))
        {
            if (!lease.IsAcquired)
            {
                WarnBusy(address);
                return Count(new LoginOutcome(LoginStatus.Busy, RetryAfter: TimeSpan.FromSeconds(1)));
            }

            // Disabled accounts and unknown names cost the same hash as a wrong password.
            verdict = _directory.VerifyPassword(account, password);
        }

        if (account is null || account.Disabled || verdict == PasswordVerificationResult.Failed)
        {
            _throttle.Failed(key, address);
            LogRefused(_logger, LogText.Safe(username), address);
            return Count(new LoginOutcome(LoginStatus.Refused));
        }

        _throttle.Succeeded(key, address);
        var rehash = verdict == PasswordVerificationResult.SuccessRehashNeeded ? _directory.HashPassword(password) : null;
        await _directory.RecordLoginAsync(account, address, rehash, cancellationToken).ConfigureAwait(false);
        return Count(new LoginOutcome(LoginStatus.Success, account));
    }

    public void Dispose() => _hashing.Dispose();

    /// <summary>At most once a minute: during a flood the metric counts, the log says it once.</summary>
    private void WarnBusy(string address)
    {
        var now = Environment.TickCount64;
        var last = Interlocked.Read(ref _lastBusyWarning);
        if (now - last >= 60_000 && Interlocked.CompareExchange(ref _lastBusyWarning, now, last) == last)
        {
            LogBusy(_logger, address);
        }
    }

    private LoginOutcome Count(LoginOutcome outcome)
    {
        _logins.WithLabels(outcome.Status.ToString().ToLowerInvariant()).Inc();
        return outcome;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Login refused for '{Username}' from {Address}")]
    private static partial void LogRefused(ILogger logger, string username, string address);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Login for '{Username}' from {Address} throttled for {Seconds:0.#} s")]
    private static partial void LogThrottled(ILogger logger, string username, string address, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Logins refused (from {Address} and maybe others): too many being checked at once; rp_hub_staff_logins_total counts them (result \"busy\")")]
    private static partial void LogBusy(ILogger logger, string address);
}
