using RedProperty.Iot.Hub.Broker.Transport;
using RedProperty.Iot.Hub.Tests.Unit.Journal;

namespace RedProperty.Iot.Hub.Tests.Unit;

/// <summary>Which PUBACK waits for which journal record (the adapter sends a PUBACK only once its record is durable).</summary>
public sealed class DeferredAcknowledgementsTests
{
    [Fact]
    public async Task A_publishs_acknowledgement_waits_for_its_own_record_and_a_refused_one_goes_at_once()
    {
        using var folder = new JournalFolder();
        await using var journal = folder.Open();
        var acknowledgements = new DeferredAcknowledgements(maxWaiting: 4);

        Assert.True(acknowledgements.Received(7));
        var ticket = journal.Append(JournalFolder.Data(1));
        Assert.True(acknowledgements.Defer(ticket));
        Assert.True(acknowledgements.Received(8));
        acknowledgements.Answered();

        Assert.True(await acknowledgements.DurableAsync(7));
        Assert.True(await ticket.WaitDurableAsync());
        Assert.True(await acknowledgements.DurableAsync(8));
        Assert.False(acknowledgements.Defer(ticket), "nothing received is left to defer");
    }

    [Fact]
    public void More_unacknowledged_publishes_than_the_receive_maximum_are_refused()
    {
        var acknowledgements = new DeferredAcknowledgements(maxWaiting: 2);
        Assert.True(acknowledgements.Received(1));
        Assert.True(acknowledgements.Received(2));
        Assert.False(acknowledgements.Received(3));
    }
}
