using System.Collections.Concurrent;
using System.Device.Gpio;

namespace RedProperty.Iot.Hub.EdgeIo;

/// <summary>
/// A GPIO controller without hardware: outputs keep what was written, inputs are set by whoever
/// simulates the wiring (tests, the demo), and value-change callbacks fire as on a real chip. Neither
/// System.Device.Gpio nor the bindings ship one (their dummy driver throws on any pin).
/// </summary>
public sealed class VirtualGpioDriver : GpioDriver
{
    private readonly ConcurrentDictionary<int, VirtualPin> _pins = new();

    protected override int PinCount => 64;

    /// <summary>The level an input pin is at now.</summary>
    public PinValue InputOf(int pin) => Pin(pin).Value;

    /// <summary>What an output pin was last set to (low when never written).</summary>
    public PinValue OutputOf(int pin) => Pin(pin).Value;

    /// <summary>Every value written to an output, in order (for checking blink patterns).</summary>
    public IReadOnlyList<(DateTimeOffset At, PinValue Value)> WritesTo(int pin)
    {
        var p = Pin(pin);
        lock (p)
        {
            return p.Writes.ToArray();
        }
    }

    /// <summary>Drives an input as the outside world would (a switch closing, a contact bouncing).</summary>
    public void SetInput(int pin, PinValue value)
    {
        var p = Pin(pin);
        PinChangeEventHandler? handlers;
        PinEventTypes wanted;
        lock (p)
        {
            if (p.Value == value)
            {
                return;
            }

            p.Value = value;
            (handlers, wanted) = (p.Handlers, p.Events);
        }

        var change = value == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
        if (handlers is not null && (wanted & change) != 0)
        {
            handlers(this, new PinValueChangedEventArgs(change, pin));
        }
    }

    protected override void OpenPin(int pinNumber) => Pin(pinNumber);

    protected override void ClosePin(int pinNumber) => _pins.TryRemove(pinNumber, out _);

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        var p = Pin(pinNumber);
        lock (p)
        {
            p.Mode = mode;
            // A pulled-up input reads high until something pulls it down.
            if (mode == PinMode.InputPullUp && !p.Driven)
            {
                p.Value = PinValue.High;
            }
        }
    }

    protected override PinMode GetPinMode(int pinNumber) => Pin(pinNumber).Mode;

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;

    protected override PinValue Read(int pinNumber) => Pin(pinNumber).Value;

    protected override void Write(int pinNumber, PinValue value)
    {
        var p = Pin(pinNumber);
        lock (p)
        {
            p.Driven = true;
            if (p.Value != value || p.Writes.Count == 0)
            {
                p.Writes.Add((DateTimeOffset.UtcNow, value));
                if (p.Writes.Count > 1000)
                {
                    p.Writes.RemoveAt(0);
                }
            }

            p.Value = value;
        }
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the hub uses value-change callbacks");

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        var p = Pin(pinNumber);
        lock (p)
        {
            p.Handlers += callback;
            p.Events |= eventTypes;
        }
    }

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        var p = Pin(pinNumber);
        lock (p)
        {
            p.Handlers -= callback;
        }
    }

    private VirtualPin Pin(int pin) => _pins.GetOrAdd(pin, static _ => new VirtualPin());

    private sealed class VirtualPin
    {
        public PinMode Mode { get; set; } = PinMode.Input;

        public PinValue Value { get; set; } = PinValue.Low;

        public bool Driven { get; set; }

        public PinChangeEventHandler? Handlers { get; set; }

        public PinEventTypes Events { get; set; }

        public List<(DateTimeOffset At, PinValue Value)> Writes { get; } = [];
    }
}
