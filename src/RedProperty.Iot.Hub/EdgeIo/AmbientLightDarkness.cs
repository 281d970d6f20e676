using Iot.Device.Bh1750fvi;

namespace RedProperty.Iot.Hub.EdgeIo;

/// <summary>
/// Day and night for the box's site from its ambient light sensor (a BH1750 through Iot.Device.Bindings):
/// an overcast winter afternoon or a shaded courtyard can be dark while the sun is up. Other sites,
/// and this one whenever the sensor cannot be read, fall back to sunrise and sunset.
/// </summary>
public sealed partial class AmbientLightDarkness(
    ISiteDarkness fallback, Bh1750fvi sensor, string siteId, AmbientLightOptions options, TimeProvider time, ILogger<AmbientLightDarkness> logger) : ISiteDarkness, IDisposable
{
    private readonly Lock _gate = new();
    private double? _lux;
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;
    private DateTimeOffset _lastWarning = DateTimeOffset.MinValue;

    /// <summary>The last reading, for /healthz and tests.</summary>
    public double? LastLux
    {
        get { lock (_gate) { return _lux; } }
    }

    public bool IsDark(Site site, DateTimeOffset at)
    {
        if (site.Id != siteId)
        {
            return fallback.IsDark(site, at);
        }

        return Lux(at) is { } lux ? lux < options.DarkBelowLux : fallback.IsDark(site, at);
    }

    private double? Lux(DateTimeOffset at)
    {
        lock (_gate)
        {
            if (at - _readAt < TimeSpan.FromSeconds(options.ReadEverySeconds) && at >= _readAt)
            {
                return _lux;
            }

            _readAt = at;
            try
            {
                _lux = sensor.Illuminance.Lux;
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or TimeoutException)
            {
                _lux = null;
                if (time.GetUtcNow() - _lastWarning > TimeSpan.FromMinutes(10))
                {
                    _lastWarning = time.GetUtcNow();
                    LogSensorFailed(logger, e.Message);
                }
            }

            return _lux;
        }
    }

    public void Dispose() => sensor.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The ambient light sensor cannot be read ({Reason}); using sunrise and sunset")]
    private static partial void LogSensorFailed(ILogger logger, string reason);
}
