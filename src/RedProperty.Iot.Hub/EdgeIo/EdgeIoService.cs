using System.Device.Gpio;
using System.Threading.Channels;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RedProperty.Iot.Hub.Alerts;

namespace RedProperty.Iot.Hub.EdgeIo;

/// <summary>
/// The box's own pins: the siren relay follows the site's unanswered critical alerts, the status LED
/// shows a heartbeat (a fast blink while degraded), and the cabinet tamper switch and the gate's
/// panic button raise alerts, debounced. Physical outputs run on real time, whatever the hub's clock.
/// </summary>
public sealed partial class EdgeIoService(
    GpioController gpio, Microsoft.Extensions.Options.IOptions<GpioOptions> gpioOptions, EdgeBox box, AlertService alerts, HealthCheckService health, ILogger<EdgeIoService> logger) : BackgroundService
{
    private readonly GpioOptions _options = gpioOptions.Value;
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(125);
    private static readonly TimeSpan HealthEvery = TimeSpan.FromSeconds(5);
    private readonly List<IDisposable> _inputs = [];

    // Inputs fire on the driver's thread; their signals wait here for the hand-over loop, which the host awaits at stop.
    private readonly Channel<AlertSignal> _signals = Channel.CreateUnbounded<AlertSignal>(new UnboundedChannelOptions { SingleReader = true });
    private bool _sirenOn;

    /// <summary>Whether the siren relay is switched on now.</summary>
    public bool SirenOn => Volatile.Read(ref _sirenOn);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var pin in new[] { _options.SirenPin, _options.StatusLedPin }.OfType<int>())
        {
            gpio.OpenPin(pin, PinMode.Output, PinValue.Low);
        }

        if (_options.TamperPin is { } tamper)
        {
            Watch(tamper, active => Submit(active ? AlertSignalKind.Raise : AlertSignalKind.Clear, AlertType.EdgeTamper,
                active ? AlertFacts.CabinetOpened : AlertFacts.CabinetClosed));
        }

        if (_options.PanicPin is { } panic)
        {
            Watch(panic, active =>
            {
                if (active)
                {
                    Submit(AlertSignalKind.Raise, AlertType.PanicButton, AlertFacts.PanicPressed);
                }
            });
        }

        LogStarted(logger, box.Device.Site, _options.SirenPin, _options.StatusLedPin, _options.TamperPin, _options.PanicPin);
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(DriveOutputsAsync(stoppingToken), HandOverAsync(stoppingToken));

    private async Task DriveOutputsAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick, TimeProvider.System);
        var degraded = false;
        var lastHealth = DateTimeOffset.MinValue;
        var started = TimeProvider.System.GetTimestamp();
        try
        {
            do
            {
                var siren = alerts.AnyCriticalAwaitingResponse(box.Device.Site);
                if (siren != _sirenOn && _options.SirenPin is { } sirenPin)
                {
                    gpio.Write(sirenPin, siren ? PinValue.High : PinValue.Low);
                    LogSiren(logger, siren ? "on" : "off");
                }

                Volatile.Write(ref _sirenOn, siren);

                if (_options.StatusLedPin is { } led)
                {
                    if (DateTimeOffset.UtcNow - lastHealth > HealthEvery)
                    {
                        lastHealth = DateTimeOffset.UtcNow;
                        degraded = (await health.CheckHealthAsync(stoppingToken).ConfigureAwait(false)).Status != HealthStatus.Healthy;
                    }

                    // Healthy: a short flash each second. Degraded: on and off every tick (4 Hz).
                    var ticks = (long)(TimeProvider.System.GetElapsedTime(started) / Tick);
                    var on = degraded ? ticks % 2 == 0 : ticks % 8 == 0;
                    gpio.Write(led, on ? PinValue.High : PinValue.Low);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var pin in new[] { _options.SirenPin, _options.StatusLedPin }.OfType<int>())
            {
                gpio.Write(pin, PinValue.Low);
            }
        }
    }

    public override void Dispose()
    {
        foreach (var input in _inputs)
        {
            input.Dispose();
        }

        base.Dispose();
    }

    private void Watch(int pin, Action<bool> changed)
    {
        var mode = _options.InputsActiveLow ? PinMode.InputPullUp : PinMode.InputPullDown;
        gpio.OpenPin(pin, gpio.IsPinModeSupported(pin, mode) ? mode : PinMode.Input);
        var active = _options.InputsActiveLow ? PinValue.Low : PinValue.High;
        var debouncer = new InputDebouncer(() => gpio.Read(pin) == active, changed, TimeSpan.FromMilliseconds(_options.DebounceMs), TimeProvider.System);
        PinChangeEventHandler onEdge = (_, _) => debouncer.OnEdge();
        gpio.RegisterCallbackForPinValueChangedEvent(pin, PinEventTypes.Rising | PinEventTypes.Falling, onEdge);
        _inputs.Add(debouncer);
    }

    private void Submit(AlertSignalKind kind, AlertType type, AlertFact fact)
    {
        LogInput(logger, type.ToWire(), kind == AlertSignalKind.Raise ? "active" : "back to normal");
        // The panic button is pressed by a person: the catalogue never lets the system close it.
        var signal = new AlertSignal(kind, type, box.Device, AlertCatalogue.SeverityOf(type, DeviceKind.Edge), fact, type == AlertType.PanicButton ? AlertCause.Person : AlertCause.Condition);
        if (!_signals.Writer.TryWrite(signal))
        {
            LogSubmitFailed(logger, null, signal.Type.ToWire());
        }
    }

    /// <summary>Hands the inputs' signals to the alert service in order; at stop, what is still waiting is handed over too (the alert service stops after this).</summary>
    private async Task HandOverAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _signals.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                await SubmitWaitingAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        _signals.Writer.TryComplete();
        await SubmitWaitingAsync().ConfigureAwait(false);
    }

    private async Task SubmitWaitingAsync()
    {
        while (_signals.Reader.TryRead(out var signal))
        {
            try
            {
                await alerts.SubmitAsync([signal], CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is ChannelClosedException or InvalidOperationException)
            {
                LogSubmitFailed(logger, e, signal.Type.ToWire());
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Edge input {Type} could not be handed to the alert service (the hub is stopping)")]
    private static partial void LogSubmitFailed(ILogger logger, Exception? exception, string type);

    [LoggerMessage(Level = LogLevel.Information, Message = "Edge I/O for site {Site}: siren pin {Siren}, status LED pin {Led}, tamper pin {Tamper}, panic pin {Panic}")]
    private static partial void LogStarted(ILogger logger, string site, int? siren, int? led, int? tamper, int? panic);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Siren {State}")]
    private static partial void LogSiren(ILogger logger, string state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Edge input {Type}: {State}")]
    private static partial void LogInput(ILogger logger, string type, string state);
}

/// <summary>The edge box as the alerts see it: a device of kind <c>edge</c> in its site and zone, not in the registry.</summary>
public sealed record EdgeBox(Device Device)
{
    public const string DeviceId = "edge-box";
}
