using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using RedProperty.Iot.Registry;

namespace RedProperty.Iot.Hub.Broker;

public enum LoginOutcome
{
    Accepted,
    UnknownDevice,
    WrongSecret,
}

/// <summary>
/// Checks a device login (<c>{site}/{deviceId}</c> and its secret) against the registry's PBKDF2 hashes.
/// A secret that verified once is remembered as a keyed HMAC in memory, so a fleet reconnecting after a
/// network cut does not cost a PBKDF2 run per device; a failed login forgets it.
/// </summary>
public sealed class DeviceAuthenticator
{
    private readonly DeviceRegistry _registry;
    private readonly byte[] _cacheKey = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, byte[]> _verified = new(StringComparer.Ordinal);

    public DeviceAuthenticator(DeviceRegistry registry)
    {
        _registry = registry;
    }

    public LoginOutcome Authenticate(string? userName, string? secret, out Device device)
    {
        device = null!;
        if (userName is null || !_registry.TryGetDevice(userName, out device))
        {
            return LoginOutcome.UnknownDevice;
        }

        var presented = HMACSHA256.HashData(_cacheKey, Encoding.UTF8.GetBytes(secret ?? string.Empty));
        if (_verified.TryGetValue(userName, out var remembered) && CryptographicOperations.FixedTimeEquals(remembered, presented))
        {
            return LoginOutcome.Accepted;
        }

        if (secret is null || !DeviceSecretHasher.Verify(secret, device.SecretHash))
        {
            _verified.TryRemove(userName, out _);
            return LoginOutcome.WrongSecret;
        }

        _verified[userName] = presented;
        return LoginOutcome.Accepted;
    }
}
