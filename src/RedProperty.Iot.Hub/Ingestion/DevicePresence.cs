using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.Devices;

namespace RedProperty.Iot.Hub.Ingestion;

/// <summary>
/// The one place a device's status (online, offline) changes and the desk is told: from the device's own
/// status messages, from any other message it sends (it is online again), and from the silence rule, whose
/// <c>device_offline</c> alert shows the device offline as if it had said so.
/// </summary>
public sealed partial class DevicePresence(AlertService alerts, ILogger<DevicePresence> logger)
{
    /// <remarks>Called for every message; nearly always nothing changes, so that path does no async work.</remarks>
    public ValueTask ReportAsync(DeviceState state, DeviceStatus status, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (!state.SetStatus(status, at))
        {
            return ValueTask.CompletedTask;
        }

        LogStatusChanged(logger, state.Device.UserName, status);
        return alerts.SubmitAsync(new DeviceStatusChange(state.Device, status, at), cancellationToken);
    }

    /// <summary>Devices the silence rule found silent in <paramref name="signals"/> go offline.</summary>
    public async ValueTask ReportSilentAsync(IReadOnlyList<AlertSignal> signals, DeviceStates devices, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var signal in signals)
        {
            if (signal is { Type: AlertType.DeviceOffline, Kind: AlertSignalKind.Raise })
            {
                await ReportAsync(devices.Get(signal.Device), DeviceStatus.Offline, now, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Device} is {Status}")]
    private static partial void LogStatusChanged(ILogger logger, string device, DeviceStatus status);
}
