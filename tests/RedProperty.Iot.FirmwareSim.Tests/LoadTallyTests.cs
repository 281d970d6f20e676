using RedProperty.Iot.FirmwareSim.Commands;

namespace RedProperty.Iot.FirmwareSim.Tests;

public sealed class LoadTallyTests
{
    [Fact]
    public void Messages_published_in_the_warm_up_count_in_the_total_but_not_in_the_measured_figures()
    {
        var tally = new LoadTally(devices: 2);

        // Warm-up: slow acknowledgements (cold start) on both devices, one failure.
        for (var i = 0; i < 50; i++)
        {
            var measured = tally.Published(publishedAt: 10 + i);
            Assert.False(measured);
            tally.Acknowledged(i % 2, measured, latencyMs: 900);
        }

        tally.Failed(tally.Published(publishedAt: 999));
        tally.StartMeasuring(at: 1_000);

        // Measured window: 100 fast acknowledgements, one slow, one failure.
        for (var i = 0; i < 100; i++)
        {
            var measured = tally.Published(publishedAt: 1_000 + i);
            Assert.True(measured);
            tally.Acknowledged(i % 2, measured, latencyMs: i < 80 ? 1 : 2);
        }

        tally.Acknowledged(0, tally.Published(publishedAt: 5_000), latencyMs: 40);
        tally.Failed(tally.Published(publishedAt: 5_001));

        var result = tally.Result(seconds: 2);

        Assert.Equal((102L, 101L, 1L), (result.Sent, result.Acknowledged, result.Failed));
        Assert.Equal(153L, result.TotalSent);
        Assert.Equal((153L, 151L, 2L), (tally.Total, tally.TotalAcknowledged, tally.TotalFailed));
        Assert.Equal(51, result.RatePerSecond);
        Assert.Equal((1.0, 2.0, 40.0), (result.P50Ms, result.P99Ms, result.MaxMs));
    }

    [Fact]
    public void Without_acknowledgement_latencies_the_quantiles_are_zero_and_messages_still_count()
    {
        var tally = new LoadTally(devices: 1);
        tally.StartMeasuring(at: 0);
        for (var i = 0; i < 10; i++)
        {
            tally.Acknowledged(0, tally.Published(publishedAt: i), latencyMs: null);
        }

        var result = tally.Result(seconds: 0.5);

        Assert.Equal((10L, 10L, 0L, 10L), (result.Sent, result.Acknowledged, result.Failed, result.TotalSent));
        Assert.Equal(20, result.RatePerSecond);
        Assert.Equal((0.0, 0.0, 0.0), (result.P50Ms, result.P99Ms, result.MaxMs));
    }
}
