using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Broker.Transport;
using RedProperty.Iot.Hub.Metrics;
using RedProperty.Iot.Hub.Reports;

namespace RedProperty.Iot.Hub.Broker.Logins;

public enum LoginOutcome
{
    Accepted,
    UnknownUser,
    WrongSecret,

    /// <summary>Not checked: the address is being throttled and this check would be key-stretched.</summary>
    Throttled,

    /// <summary>Not checked: too many key-stretched checks are waiting.</summary>
    Busy,
}

/// <summary>Who a broker session belongs to, as verified at login: a device or a report reader.</summary>
public sealed class SessionIdentity
{
    private SessionIdentity(string userName, Device? device, ReportReader? reader)
    {
        UserName = userName;
        Device = device;
        Reader = reader;
    }

    public string UserName { get; }

    public Device? Device { get; }

    public ReportReader? Reader { get; }

    public static SessionIdentity Of(Device device) => new(device.UserName, device, null);

    public static SessionIdentity Of(ReportReader reader) => new(reader.UserName, null, reader);
}

public readonly record struct LoginVerdict(LoginOutcome Outcome, SessionIdentity? Identity);

/// <summary>
/// Checks broker logins — devices (<c>{site}/{deviceId}</c>) against the registry, report readers against
/// <c>Mqtt:Readers</c> — so that guessing costs the guesser, not the hub: generated secrets are checked
/// in microseconds, key-stretched ones through the <see cref="SecretCheckGate"/>, failures are throttled
/// per address and user name (<see cref="LoginThrottle"/>), and every refusal is answered after the same
/// minimum delay, so neither the answer nor its timing tells an unknown user from a wrong secret.
/// A secret that verified once is remembered as a keyed HMAC in memory, so a fleet reconnecting after a
/// network cut costs no key stretching.
/// </summary>
public sealed class BrokerLogins
{
    private readonly DeviceRegistry _registry;
    private readonly ReportReaders _readers;
    private readonly MqttLimitsOptions _limits;
    private readonly LoginThrottle _throttle;
    private readonly SecretCheckGate _gate;
    private readonly byte[] _cacheKey = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, byte[]> _verified = new(StringComparer.Ordinal);

    private readonly HubMetrics _metrics;

    public BrokerLogins(DeviceRegistry registry, ReportReaders readers, IOptions<MqttLimitsOptions> limits, HubMetrics metrics)
    {
        _metrics = metrics;
        _registry = registry;
        _readers = readers;
        _limits = limits.Value;
        _throttle = new LoginThrottle(_limits);
        _gate = new SecretCheckGate(_limits);
    }

    public async Task<LoginVerdict> CheckAsync(string? userName, string? secret, IPAddress? address, CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        var (identity, secretHash) = Find(userName);
        var outcome = identity is null ? LoginOutcome.UnknownUser : await VerifyAsync(identity.UserName, secret ?? string.Empty, secretHash!, address, cancellationToken).ConfigureAwait(false);
        if (outcome == LoginOutcome.Accepted)
        {
            return new LoginVerdict(outcome, identity);
        }

        if (outcome is LoginOutcome.UnknownUser or LoginOutcome.WrongSecret)
        {
            _throttle.Failed(address, identity?.UserName);
        }

        var hold = _throttle.RefusalDelay(address, identity?.UserName);
        var minimum = TimeSpan.FromMilliseconds(_limits.MinRefusalDelayMs);
        var wait = (hold > minimum ? hold : minimum) - TimeProvider.System.GetElapsedTime(started);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
        }

        return new LoginVerdict(outcome, null);
    }

    private (SessionIdentity? Identity, string? SecretHash) Find(string? userName)
    {
        if (_readers.TryFind(userName, out var reader))
        {
            return (SessionIdentity.Of(reader), reader.SecretHash);
        }

        return userName is not null && _registry.TryGetDevice(userName, out var device)
            ? (SessionIdentity.Of(device), device.SecretHash)
            : (null, null);
    }

    private async Task<LoginOutcome> VerifyAsync(string userName, string secret, string secretHash, IPAddress? address, CancellationToken cancellationToken)
    {
        var presented = HMACSHA256.HashData(_cacheKey, Encoding.UTF8.GetBytes(secret));
        if (_verified.TryGetValue(userName, out var remembered) && CryptographicOperations.FixedTimeEquals(remembered, presented))
        {
            _metrics.SecretChecks.WithLabels("remembered").Inc();
            return LoginOutcome.Accepted;
        }

        bool verified;
        if (!DeviceSecretHasher.IsKeyStretched(secretHash))
        {
            _metrics.SecretChecks.WithLabels("generated").Inc();
            verified = DeviceSecretHasher.Verify(secret, secretHash);
        }
        else if (!_throttle.TryStartCheck(address))
        {
            return LoginOutcome.Throttled;
        }
        else
        {
            bool? result;
            try
            {
                result = await _gate.RunAsync(() => DeviceSecretHasher.Verify(secret, secretHash), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _throttle.CheckDone(address);
            }

            if (result is not { } checkedResult)
            {
                return LoginOutcome.Busy;
            }

            _metrics.SecretChecks.WithLabels("key_stretched").Inc();
            verified = checkedResult;
        }

        // A wrong secret leaves the remembered right one alone: a stranger must not make the real device pay for key stretching.
        if (!verified)
        {
            return LoginOutcome.WrongSecret;
        }

        _verified[userName] = presented;
        return LoginOutcome.Accepted;
    }
}
