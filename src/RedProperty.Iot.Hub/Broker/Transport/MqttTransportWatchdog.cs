namespace RedProperty.Iot.Hub.Broker.Transport;

/// <summary>Once a second, closes MQTT connections past their CONNECT deadline or their keep-alive.</summary>
public sealed class MqttTransportWatchdog(MqttTransportGuard guard) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                guard.Sweep();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
