using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace RedProperty.Iot.Domain.Registry;

/// <summary>
/// Salted hashes of device secrets in a self-describing form. A generated secret (at least
/// <see cref="MinGeneratedLength"/> characters, at least 16 of them different, e.g. <see cref="NewSecret"/>:
/// 256 random bits) cannot be guessed, so key stretching adds nothing to it: it is kept as a salted
/// HMAC-SHA256, <c>hmac-sha256${salt}${hash}</c>, checked in microseconds. Anything shorter may have been
/// chosen by a person and is kept as PBKDF2-SHA256, <c>pbkdf2-sha256${iterations}${salt}${hash}</c>,
/// which costs tens of milliseconds per check on purpose (the hub rations those checks).
/// </summary>
public static class DeviceSecretHasher
{
    public const string Scheme = "pbkdf2-sha256";

    public const string GeneratedScheme = "hmac-sha256";

    public const int DefaultIterations = 100_000;

    /// <summary>Secrets at least this long (with at least 16 different characters) count as generated.</summary>
    public const int MinGeneratedLength = 32;

    private const int SaltBytes = 16;

    private const int HashBytes = 32;

    /// <summary>A new device secret: 32 random bytes, base64url (43 characters).</summary>
    public static string NewSecret() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>True for a secret long and varied enough to be treated as generated (no key stretching).</summary>
    public static bool IsGenerated(string secret) => secret.Length >= MinGeneratedLength && secret.Distinct().Count() >= 16;

    public static string Hash(string secret, int iterations = DefaultIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1000);
        Span<byte> salt = stackalloc byte[SaltBytes];
        RandomNumberGenerator.Fill(salt);
        if (IsGenerated(secret))
        {
            var mac = HMACSHA256.HashData(salt, Encoding.UTF8.GetBytes(secret));
            return string.Create(CultureInfo.InvariantCulture, $"{GeneratedScheme}${Convert.ToBase64String(salt)}${Convert.ToBase64String(mac)}");
        }

        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(secret), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    /// <summary>True when the text is a hash this class can verify.</summary>
    public static bool IsWellFormed(string secretHash) => TryParse(secretHash, out _, out _, out _);

    /// <summary>True for a PBKDF2 hash: checking a secret against it is deliberately expensive.</summary>
    public static bool IsKeyStretched(string secretHash) => secretHash.StartsWith(Scheme + "$", StringComparison.Ordinal);

    public static bool Verify(string secret, string secretHash)
    {
        if (!TryParse(secretHash, out var iterations, out var salt, out var expected))
        {
            return false;
        }

        var actual = iterations == 0
            ? HMACSHA256.HashData(salt, Encoding.UTF8.GetBytes(secret))
            : Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(secret), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>Reads either form; <paramref name="iterations"/> is 0 for the generated-secret form.</summary>
    private static bool TryParse(string secretHash, out int iterations, out byte[] salt, out byte[] hash)
    {
        iterations = 0;
        salt = hash = [];
        var parts = secretHash.Split('$');
        string saltText, hashText;
        if (parts.Length == 3 && parts[0] == GeneratedScheme)
        {
            (saltText, hashText) = (parts[1], parts[2]);
        }
        else if (parts.Length == 4 && parts[0] == Scheme
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out iterations) && iterations >= 1000)
        {
            (saltText, hashText) = (parts[2], parts[3]);
        }
        else
        {
            iterations = 0;
            return false;
        }

        try
        {
            salt = Convert.FromBase64String(saltText);
            hash = Convert.FromBase64String(hashText);
        }
        catch (FormatException)
        {
            return false;
        }

        return salt.Length >= 8 && hash.Length >= 16;
    }
}
