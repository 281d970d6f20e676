using RedProperty.Iot.Hub.Devices;

namespace RedProperty.Iot.Hub.Desk;

/// <summary>
/// Pushes elevator cars' live state to the desk's elevator panel: the latest state of each car that
/// changed, at most four times a second, through each desk's outbox (<see cref="DeskBroadcaster.Publish"/>).
/// Not part of the sequence-numbered change log: a client that reconnects reads the current state of
/// every car (<c>GET /api/devices/elevators</c>).
/// </summary>
public sealed class ElevatorBroadcaster(DeviceReadings readings, DeskBroadcaster broadcaster) : BackgroundService
{
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(250);

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

                broadcaster.Publish(latest.Values);
                await Task.Delay(Window, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
