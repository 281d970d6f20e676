using RedProperty.Iot.Registry;

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

    [Theory]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("pbkdf2-sha256$10$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==")]
    [InlineData("pbkdf2-sha1$1000$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==")]
    [InlineData("pbkdf2-sha256$1000$!!$aGFzaGhhc2hoYXNoaGFzaA==")]
    [InlineData("pbkdf2-sha256$1000$c2FsdHNhbHQ=")]
    public void Malformed_hashes_never_verify(string hash)
    {
        Assert.False(DeviceSecretHasher.IsWellFormed(hash));
        Assert.False(DeviceSecretHasher.Verify("anything", hash));
    }
}
