using System.Threading.Channels;
using RedProperty.Iot.Hub.Alerts.Storage;

namespace RedProperty.Iot.Hub.Alerts;

/// <summary>Committed changes on their way to the desk broadcaster; never blocks the publisher.</summary>
public sealed class DeskChangeFeed
{
    private readonly Channel<ChangeRecord> _changes = Channel.CreateUnbounded<ChangeRecord>(new UnboundedChannelOptions { SingleReader = true });

    public ChannelReader<ChangeRecord> Reader => _changes.Reader;

    public void Publish(ChangeRecord change) => _changes.Writer.TryWrite(change);
}
