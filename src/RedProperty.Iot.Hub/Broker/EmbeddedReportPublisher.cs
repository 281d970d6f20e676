using MQTTnet;
using MQTTnet.Server;
using RedProperty.Iot.Hub.Reports;
using RedProperty.Iot.Hub.Sites;
using RedProperty.Iot.Hub.Storage;

namespace RedProperty.Iot.Hub.Broker;

/// <summary>
/// The embedded broker: messages are injected as the hub's own. The broker keeps retained messages in
/// memory only, so at its start it is given the latest published report of each owned site again.
/// </summary>
public sealed class EmbeddedReportPublisher(MonthlyReportStore store, SiteOwnership ownership) : IReportPublisher
{
    public const string ClientId = "redproperty-hub";

    // The hub's services start before the broker does; a report closed at start waits for it.
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private MqttServer? _server;

    public void Attach(MqttServer server)
    {
        _server = server;
        server.StartedAsync += _ =>
        {
            _started.TrySetResult();
            return Task.CompletedTask;
        };
        server.LoadingRetainedMessageAsync += async args =>
        {
            var reports = await store.MonthlyReportsAsync(ownership.Owned).ConfigureAwait(false);
            args.LoadedRetainedMessages = reports.Where(r => r.PublishedAt is not null)
                .GroupBy(r => r.Site)
                .Select(g => MonthlyReport.MessageOf(g.MaxBy(r => r.Month, StringComparer.Ordinal)!))
                .ToList();
        };
    }

    public async Task<bool> TryPublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await _started.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return false;
        }

        if (_server is not { IsStarted: true } server)
        {
            return false;
        }

        await server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = ClientId }, cancellationToken).ConfigureAwait(false);
        return true;
    }
}
