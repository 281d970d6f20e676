using System.Globalization;
using RedProperty.Iot.FirmwareSim.Devices;
using RedProperty.Iot.FirmwareSim.Fuzzing;

namespace RedProperty.Iot.FirmwareSim.Commands;

/// <summary><c>fuzz</c>: seeded MQTT fuzzing of a broker over TCP, TLS and WebSockets (see <see cref="MqttFuzzer"/>).</summary>
public static class FuzzCommand
{
    public static async Task<int> RunAsync(string registryPath, FuzzTargets targets, int seed, int cases, int parallel, TextWriter output, CancellationToken cancellationToken)
    {
        var identities = RegistryFile.ReadIdentities(registryPath).ToArray();
        if (identities.Length == 0 || targets.Transports.Count == 0)
        {
            await output.WriteLineAsync($"fuzz: needs devices with plain secrets in {registryPath} and at least one of --port, --tls-port, --ws-url").ConfigureAwait(false);
            return 2;
        }

        var lastReport = 0;
        var progress = new Progress<int>(done =>
        {
            if (done - Volatile.Read(ref lastReport) >= Math.Max(1, cases / 20))
            {
                Volatile.Write(ref lastReport, done);
                output.WriteLine($"cases={done}/{cases}");
            }
        });
        var summary = await new MqttFuzzer(targets, identities).RunAsync(seed, cases, parallel, progress, cancellationToken).ConfigureAwait(false);
        foreach (var (kind, count) in summary.ByKind.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            await output.WriteLineAsync($"  {kind}: {count}").ConfigureAwait(false);
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"RESULT fuzz seed={seed} cases={summary.Cases} seconds={summary.Seconds:F1} rate={summary.Cases / Math.Max(summary.Seconds, 0.001):F0}/s logged_in={summary.LoggedIn} closed_by_broker={summary.ClosedByBroker} transport_errors={summary.Errors}")).ConfigureAwait(false);
        return 0;
    }
}
