using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using RedProperty.Iot.Hub.Staff;

namespace RedProperty.Iot.Hub.Tests.Unit;

public sealed class LoginThrottleTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly LoginThrottle _throttle;

    public LoginThrottleTests()
    {
        _throttle = new LoginThrottle(Options.Create(new StaffOptions()), _time);
    }

    public void Dispose() => _throttle.Dispose();

    private void Fail(string user, string address, int times)
    {
        for (var i = 0; i < times; i++)
        {
            _throttle.Failed(user, address);
        }
    }

    [Fact]
    public void A_user_name_at_an_address_waits_after_three_failures_each_wait_twice_the_last()
    {
        Fail("op", "10.0.0.1", 2);
        Assert.Equal(TimeSpan.Zero, _throttle.Check("op", "10.0.0.1").Here);
        Fail("op", "10.0.0.1", 1);
        Assert.Equal(TimeSpan.FromSeconds(1), _throttle.Check("op", "10.0.0.1").Here);
        Fail("op", "10.0.0.1", 1);
        Assert.Equal(TimeSpan.FromSeconds(2), _throttle.Check("op", "10.0.0.1").Here);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.Zero, _throttle.Check("op", "10.0.0.1").Here);

        // Other names and addresses are not held back by it.
        Assert.Equal(default, _throttle.Check("admin", "10.0.0.1"));
        Assert.Equal(default, _throttle.Check("op", "10.0.0.2"));
    }

    [Fact]
    public void Waits_stop_growing_at_the_maximum_and_a_success_clears_the_name_at_the_address()
    {
        Fail("op", "10.0.0.1", 40);
        Assert.Equal(TimeSpan.FromMinutes(15), _throttle.Check("op", "10.0.0.1").Here);
        _throttle.Succeeded("op", "10.0.0.1");
        // The address itself still waits (40 failures of its own).
        Assert.Equal(TimeSpan.FromMinutes(15), _throttle.Check("someone", "10.0.0.1").Here);
        _time.Advance(TimeSpan.FromMinutes(15));
        Assert.Equal(default, _throttle.Check("op", "10.0.0.1"));
    }

    [Fact]
    public void An_address_guessing_many_names_waits_after_ten_failures()
    {
        for (var i = 0; i < 10; i++)
        {
            _throttle.Failed($"name-{i}", "10.0.0.9");
        }

        Assert.Equal(TimeSpan.FromSeconds(1), _throttle.Check("yet-another", "10.0.0.9").Here);
        Assert.Equal(TimeSpan.Zero, _throttle.Check("yet-another", "10.0.0.8").Here);
    }

    [Fact]
    public void The_per_user_wait_needs_failures_from_several_addresses()
    {
        // Twenty failures from two addresses: the name is not held back elsewhere.
        Fail("op", "10.0.0.1", 10);
        Fail("op", "10.0.0.2", 10);
        Assert.Equal(TimeSpan.Zero, _throttle.Check("op", "10.0.0.3").User);

        // A third address: now it is, everywhere (the caller exempts the user's usual addresses).
        Fail("op", "10.0.0.3", 1);
        Assert.Equal(TimeSpan.FromMinutes(15), _throttle.Check("op", "10.0.0.4").User);
        Assert.Equal(TimeSpan.Zero, _throttle.Check("op", "10.0.0.4").Here);
    }

    [Fact]
    public void Counts_are_forgotten_after_a_quiet_hour()
    {
        Fail("op", "10.0.0.1", 5);
        _time.Advance(TimeSpan.FromHours(2));
        Fail("op", "10.0.0.1", 1);
        Assert.Equal(TimeSpan.Zero, _throttle.Check("op", "10.0.0.1").Here);
    }
}
