using RedProperty.Iot.Domain.Registry;

namespace RedProperty.Iot.Domain.Tests.Registry;

public sealed class DeviceSecretHasherTests
{
    [Fact]
    public void A_hash_verifies_its_secret_and_nothing_else()
    {
        var hash = DeviceSecretHasher.Hash("s3cret-value", 1000);
        Assert.True(DeviceSecretHasher.Verify("s3cret-value", hash));
        Assert.False(DeviceSecretHasher.Verify("s3cret-valuE", hash));
        Assert.False(DeviceSecretHasher.Verify(string.Empty, hash));
    }

    [Fact]
    public void The_same_secret_hashes_differently_each_time()
    {
        Assert.NotEqual(DeviceSecretHasher.Hash("same", 1000), DeviceSecretHasher.Hash("same", 1000));
    }

    [Fact]
    public void The_default_work_factor_is_recorded_in_the_hash()
    {
        Assert.StartsWith($"pbkdf2-sha256${DeviceSecretHasher.DefaultIterations}$", DeviceSecretHasher.Hash("x"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_generated_secret_is_kept_as_a_salted_hmac_that_verifies_it_and_nothing_else()
    {
        var secret = DeviceSecretHasher.NewSecret();
        Assert.Equal(43, secret.Length);
        Assert.True(DeviceSecretHasher.IsGenerated(secret));
        var hash = DeviceSecretHasher.Hash(secret, 100_000);
        Assert.StartsWith("hmac-sha256$", hash, StringComparison.Ordinal);
        Assert.False(DeviceSecretHasher.IsKeyStretched(hash));
        Assert.True(DeviceSecretHasher.IsWellFormed(hash));
        Assert.True(DeviceSecretHasher.Verify(secret, hash));
        Assert.False(DeviceSecretHasher.Verify(secret[..^1] + (secret[^1] == 'A' ? 'B' : 'A'), hash));
        Assert.NotEqual(hash, DeviceSecretHasher.Hash(secret, 100_000));
    }

    [Theory]
    [InlineData("dev-only-plain-secret")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("0123456789abcde0123456789abcde01")]
    public void A_short_or_repetitive_secret_is_key_stretched(string secret)
    {
        Assert.False(DeviceSecretHasher.IsGenerated(secret));
        var hash = DeviceSecretHasher.Hash(secret, 1000);
        Assert.True(DeviceSecretHasher.IsKeyStretched(hash));
        Assert.True(DeviceSecretHasher.Verify(secret, hash));
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("pbkdf2-sha256$10$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==")]
    [InlineData("pbkdf2-sha1$1000$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==")]
    [InlineData("pbkdf2-sha256$1000$!!$aGFzaGhhc2hoYXNoaGFzaA==")]
    [InlineData("pbkdf2-sha256$1000$c2FsdHNhbHQ=")]
    [InlineData("hmac-sha256$c2FsdHNhbHQ=")]
    [InlineData("hmac-sha256$c2Fs$aGFzaGhhc2hoYXNoaGFzaA==")]
    public void Malformed_hashes_never_verify(string hash)
    {
        Assert.False(DeviceSecretHasher.IsWellFormed(hash));
        Assert.False(DeviceSecretHasher.Verify("anything", hash));
    }
}
