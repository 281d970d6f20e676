using RedProperty.Iot.Domain.TimeSeries;

namespace RedProperty.Iot.Domain.Tests.TimeSeries;

public sealed class UniqueTimestampsTests
{
    [Fact]
    public void A_repeated_or_earlier_time_moves_one_millisecond_past_the_last()
    {
        var timestamps = new UniqueTimestamps();
        Assert.Equal(100, timestamps.Next(100));
        Assert.Equal(101, timestamps.Next(100));
        Assert.Equal(102, timestamps.Next(50));
        Assert.Equal(200, timestamps.Next(200));
    }

    [Fact]
    public async Task Concurrent_callers_never_get_the_same_time()
    {
        var timestamps = new UniqueTimestamps();
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Enumerable.Range(0, 1000).Select(_ => timestamps.Next(5)).ToArray())));
        var all = results.SelectMany(r => r).ToArray();
        Assert.Equal(all.Length, all.Distinct().Count());
    }
}
