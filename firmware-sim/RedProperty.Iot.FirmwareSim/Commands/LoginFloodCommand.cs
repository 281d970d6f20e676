using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MQTTnet.Formatter;
using MQTTnet.Packets;

namespace RedProperty.Iot.FirmwareSim.Commands;

/// <summary>
/// <c>login-flood</c>: wrong-secret CONNECTs at a steady rate from one source address, each on its own
/// connection, as a password-guessing attacker sends them; prints how the broker answered (CONNACK codes,
/// connections closed or refused) and how long the answers took.
/// </summary>
public static class LoginFloodCommand
{
    public static async Task<int> RunAsync(string host, int port, IPAddress? from, string userName, double rate, TimeSpan duration, MqttProtocolVersion version, TextWriter output, CancellationToken cancellationToken)
    {
        var answers = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var latencies = new ConcurrentBag<double>();
        var running = new List<Task>();
        var started = Stopwatch.GetTimestamp();
        var interval = TimeSpan.FromSeconds(1 / rate);
        long attempts = 0;
        var nextReport = TimeSpan.FromSeconds(1);
        while (Stopwatch.GetElapsedTime(started) < duration && !cancellationToken.IsCancellationRequested)
        {
            var due = interval * attempts;
            var wait = due - Stopwatch.GetElapsedTime(started);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }

            var attempt = attempts++;
            running.Add(AttemptAsync(host, port, from, userName, $"guess-{attempt}", version, answers, latencies));
            if (Stopwatch.GetElapsedTime(started) >= nextReport)
            {
                nextReport += TimeSpan.FromSeconds(1);
                running.RemoveAll(t => t.IsCompleted);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"t={Stopwatch.GetElapsedTime(started).TotalSeconds:F0}s attempts={attempts} open={running.Count} {Describe(answers)}")).ConfigureAwait(false);
            }
        }

        var sending = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await Task.WhenAll(running).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var sorted = latencies.Order().ToArray();
        double Quantile(double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"RESULT login-flood attempts={attempts} sent_in={sending:F1}s rate={attempts / sending:F0}/s all_answered_in={seconds:F1}s answer_p50={Quantile(0.5):F0}ms answer_p99={Quantile(0.99):F0}ms {Describe(answers)}")).ConfigureAwait(false);
        return 0;
    }

    private static string Describe(ConcurrentDictionary<string, int> answers) =>
        string.Join(' ', answers.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}"));

    private static async Task AttemptAsync(string host, int port, IPAddress? from, string userName, string secret, MqttProtocolVersion version, ConcurrentDictionary<string, int> answers, ConcurrentBag<double> latencies)
    {
        var started = Stopwatch.GetTimestamp();
        string answer;
        try
        {
            using var client = from is null ? new TcpClient(AddressFamily.InterNetwork) : new TcpClient(new IPEndPoint(from, 0));
            client.LingerState = new LingerOption(true, 0);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await client.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            var connect = new MqttPacketFormatterAdapter(version, new MqttBufferWriter(4096, 65535)).Encode(new MqttConnectPacket
            {
                ClientId = secret,
                Username = userName,
                Password = Encoding.UTF8.GetBytes(secret),
                CleanSession = true,
                KeepAlivePeriod = 60,
            }).ToArray();
            await stream.WriteAsync(connect, timeout.Token).ConfigureAwait(false);
            var connAck = new byte[4];
            var read = 0;
            while (read < connAck.Length)
            {
                var n = await stream.ReadAsync(connAck.AsMemory(read), timeout.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            answer = read < connAck.Length || connAck[0] != 0x20 ? "closed" : $"connack_0x{connAck[3]:x2}";
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException)
        {
            answer = "no_answer_60s";
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            answer = "refused_or_reset";
        }

        answers.AddOrUpdate(answer, 1, (_, n) => n + 1);
    }
}
