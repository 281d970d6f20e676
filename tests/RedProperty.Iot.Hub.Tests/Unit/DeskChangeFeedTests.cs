using RedProperty.Iot.Hub.ChangeLog;
using RedProperty.Iot.Hub.Metrics;

namespace RedProperty.Iot.Hub.Tests.Unit;

public sealed class DeskChangeFeedTests
{
    [Fact]
    public void A_full_feed_never_blocks_the_publisher_counts_what_it_could_not_queue_and_reports_the_newest_once()
    {
        var metrics = new HubMetrics();
        var feed = new DeskChangeFeed(metrics);
        for (long seq = 1; seq <= DeskChangeFeed.Capacity + 3; seq++)
        {
            feed.Publish(new DeskChange.DeviceStatusChanged(seq, "s1", new DeviceStatusView(seq, "s1", "z1", "light-1", "light", "online", DateTimeOffset.UnixEpoch)));
        }

        Assert.Equal(3, metrics.DeskFeedDropped.Value);
        Assert.Equal(DeskChangeFeed.Capacity + 3, feed.TakeLost());
        Assert.Equal(0, feed.TakeLost());
        Assert.True(feed.Reader.TryRead(out var first));
        Assert.Equal(1, first.Seq);
    }
}
