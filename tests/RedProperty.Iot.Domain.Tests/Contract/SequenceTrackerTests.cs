using RedProperty.Iot.Domain.Contract;

namespace RedProperty.Iot.Domain.Tests.Contract;

public sealed class SequenceTrackerTests
{
    [Fact]
    public void Counts_missing_numbers_duplicates_and_restarts()
    {
        var tracker = new SequenceTracker();
        Assert.Equal(SequenceObservation.First, tracker.Observe(10));
        Assert.Equal(SequenceObservation.InOrder, tracker.Observe(11));
        Assert.Equal(SequenceObservation.Gap, tracker.Observe(15));
        Assert.Equal(3, tracker.Missing);
        Assert.Equal(SequenceObservation.Duplicate, tracker.Observe(15));
        Assert.Equal(SequenceObservation.Duplicate, tracker.Observe(13));
        Assert.Equal(2, tracker.Duplicates);
        Assert.Equal(SequenceObservation.InOrder, tracker.Observe(16));
        Assert.Equal(SequenceObservation.Reset, tracker.Observe(1));
        Assert.Equal(SequenceObservation.InOrder, tracker.Observe(2));
        Assert.Equal(1, tracker.Resets);
        Assert.Equal(3, tracker.Missing);
    }

    [Fact]
    public void A_large_fall_back_is_a_restart_not_a_duplicate()
    {
        var tracker = new SequenceTracker();
        tracker.Observe(50_000);
        Assert.Equal(SequenceObservation.Reset, tracker.Observe(40));
        Assert.Equal(0, tracker.Duplicates);
    }
}
