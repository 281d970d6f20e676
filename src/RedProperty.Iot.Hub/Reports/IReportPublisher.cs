using MQTTnet;

namespace RedProperty.Iot.Hub.Reports;

/// <summary>How the monthly reports reach the broker the hub works with (the embedded one or an external one); the broker implements it.</summary>
public interface IReportPublisher
{
    /// <summary>False when the broker cannot take it now (not started, not connected, refused); the caller tries again later.</summary>
    Task<bool> TryPublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken);
}
