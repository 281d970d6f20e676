using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace RedProperty.Iot.Registry;

/// <summary>
/// Salted PBKDF2-SHA256 hashes of device secrets, in the self-describing form
/// <c>pbkdf2-sha256${iterations}${salt}${hash}</c> (base64), so the work factor can be raised later.
/// </summary>
public static class DeviceSecretHasher
{
    public const string Scheme = "pbkdf2-sha256";

    public const int DefaultIterations = 100_000;

    private const int SaltBytes = 16;

    private const int HashBytes = 32;

    public static string Hash(string secret, int iterations = DefaultIterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1000);
        Span<byte> salt = stackalloc byte[SaltBytes];
        RandomNumberGenerator.Fill(salt);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(secret), salt, iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    /// <summary>True when the text is a hash this class can verify.</summary>
    public static bool IsWellFormed(string secretHash) => TryParse(secretHash, out _, out _, out _);

    public static bool Verify(string secret, string secretHash)
    {
        if (!TryParse(secretHash, out var iterations, out var salt, out var expected))
        {
            return false;
        }

        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(secret), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    private static bool TryParse(string secretHash, out int iterations, out byte[] salt, out byte[] hash)
    {
        iterations = 0;
        salt = hash = [];
        var parts = secretHash.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out iterations) || iterations < 1000)
        {
            return false;
        }

        try
        {
            salt = Convert.FromBase64String(parts[2]);
            hash = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }

        return salt.Length >= 8 && hash.Length >= 16;
    }
}
