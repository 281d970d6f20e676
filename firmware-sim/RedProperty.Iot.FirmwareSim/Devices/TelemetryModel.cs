using RedProperty.Iot.Domain.Contract;

namespace RedProperty.Iot.FirmwareSim.Devices;

/// <summary>Plausible, healthy telemetry per kind (issue-free baseline traffic), deterministic for a seed.</summary>
public sealed class TelemetryModel(Random random)
{
    public string Next(DeviceIdentity device, long seq, long ts) => device.Kind switch
    {
        DeviceKind.Camera => Json(seq, ts, ("online", true), ("motion", random.NextDouble() < 0.3), ("persons", random.Next(0, 6)), ("ebike", false), ("tamper", false), ("fps", Round(24.5 + random.NextDouble()))),
        DeviceKind.Light => Json(seq, ts, ("on", true), ("lux", Round(40 + (random.NextDouble() * 20))), ("currentA", Round(0.18 + (random.NextDouble() * 0.04))), ("voltageV", Round(218 + (random.NextDouble() * 6)))),
        DeviceKind.Elevator => Json(seq, ts, ("floor", random.Next(1, 33)), ("doorOpen", random.NextDouble() < 0.2), ("running", random.NextDouble() < 0.5), ("occupied", random.NextDouble() < 0.4), ("fault", null), ("speedMps", Round(random.NextDouble() * 2.5))),
        DeviceKind.Charger => Charger(device.Circuit ?? "station", seq, ts),
        _ => throw new ArgumentOutOfRangeException(nameof(device)),
    };

    /// <summary>
    /// Healthy circuits: a charging station or an authorised car-park plug charges an e-bike (1–3 A);
    /// a corridor or stairwell circuit carries only lighting-level leakage, since charging there is
    /// exactly what the flying-wire rule looks for.
    /// </summary>
    private string Charger(string circuit, long seq, long ts)
    {
        var charging = circuit is "station" or "parking";
        var current = charging ? 1 + (random.NextDouble() * 2) : random.NextDouble() * 0.1;
        var voltage = 218 + (random.NextDouble() * 6);
        return Json(seq, ts, ("circuit", circuit), ("currentA", Round(current)), ("voltageV", Round(voltage)), ("powerW", Round(current * voltage)),
            ("tempC", Round(25 + (random.NextDouble() * 10))), ("plugged", charging), ("smoke", false));
    }

    private static double Round(double value) => Math.Round(value, 2);

    private static string Json(long seq, long ts, params (string Name, object? Value)[] fields) => Behaviour.DeviceBehaviour.Json(fields, seq, ts);
}
