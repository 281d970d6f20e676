using Microsoft.AspNetCore.SignalR;
using RedProperty.Iot.Hub.Devices;

namespace RedProperty.Iot.Hub.Desk;

/// <summary>
/// Pushes elevator cars' live state to the desk's elevator panel: the latest state of each car that
/// changed, at most four times a second. Not part of the sequence-numbered change log: a client that
/// reconnects reads the current state of every car (<c>GET /api/devices/elevators</c>).
/// </summary>
public sealed partial class ElevatorBroadcaster(DeviceReadings readings, IHubContext<DeskHub, IDeskClient> hub, ILogger<ElevatorBroadcaster> logger) : BackgroundService
{
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var latest = new Dictionary<(string Site, string Device), ElevatorView>();
        try
        {
            while (await readings.ElevatorChanges.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                latest.Clear();
                while (readings.ElevatorChanges.TryRead(out var car))
                {
                    latest[(car.Site, car.DeviceId)] = car;
                }

                foreach (var car in latest.Values)
                {
                    try
                    {
                        await hub.Clients.Group(DeskHub.GroupOf(car.Site)).elevatorChanged(car).WaitAsync(SendTimeout, stoppingToken).ConfigureAwait(false);
                    }
                    catch (TimeoutException)
                    {
                        LogSlowSend(logger, car.Site, car.DeviceId);
                    }
                }

                await Task.Delay(Window, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Elevator state of {Site}/{Device} not delivered to every desk in time")]
    private static partial void LogSlowSend(ILogger logger, string site, string device);
}
