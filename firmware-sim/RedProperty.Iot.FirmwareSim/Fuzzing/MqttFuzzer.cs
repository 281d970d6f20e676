using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Authentication;
using MQTTnet.Formatter;
using RedProperty.Iot.FirmwareSim.Devices;

namespace RedProperty.Iot.FirmwareSim.Fuzzing;

public enum FuzzTransport
{
    Tcp,
    Tls,
    WebSocket,
}

/// <summary>Where the fuzzer reaches the broker: any of the three transports may be left out.</summary>
public sealed record FuzzTargets(string Host, int? TcpPort, int? TlsPort, Uri? WebSocketUrl)
{
    public IReadOnlyList<FuzzTransport> Transports =>
    [
        .. TcpPort is null ? [] : new[] { FuzzTransport.Tcp },
        .. TlsPort is null ? [] : new[] { FuzzTransport.Tls },
        .. WebSocketUrl is null ? [] : new[] { FuzzTransport.WebSocket },
    ];
}

public sealed record FuzzSummary(int Cases, int LoggedIn, int ClosedByBroker, int Errors, double Seconds, IReadOnlyDictionary<string, int> ByKind);

/// <summary>
/// Seeded, bounded MQTT fuzzing of a broker: each case opens a connection over TCP, TLS or WebSockets,
/// speaks MQTT 3.1.1 or 5, sends broken packets either instead of a login or after a good one, then
/// closes — abruptly, half way, or after listening for the answer. The same seed makes the same cases.
/// What the broker must survive is judged by the caller (its CPU, its memory, whether a good device
/// still gets in).
/// </summary>
public sealed class MqttFuzzer(FuzzTargets targets, IReadOnlyList<DeviceIdentity> identities)
{
    public async Task<FuzzSummary> RunAsync(int seed, int cases, int parallel, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        int next = -1, loggedIn = 0, closed = 0, errors = 0, done = 0;
        var byKind = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < cases && !cancellationToken.IsCancellationRequested)
            {
                // Each case has its own generator, so a case is the same whatever ran beside it.
                var random = new Random(HashCode.Combine(seed, index));
                var transport = targets.Transports[random.Next(targets.Transports.Count)];
                var version = random.Next(2) == 0 ? MqttProtocolVersion.V311 : MqttProtocolVersion.V500;
                var afterLogin = random.Next(2) == 0;
                byKind.AddOrUpdate($"{transport}/{(version == MqttProtocolVersion.V500 ? "5" : "3.1.1")}/{(afterLogin ? "after-login" : "before-login")}", 1, (_, n) => n + 1);
                try
                {
                    var outcome = await RunCaseAsync(random, transport, version, afterLogin, cancellationToken).ConfigureAwait(false);
                    if (outcome.LoggedIn)
                    {
                        Interlocked.Increment(ref loggedIn);
                    }

                    if (outcome.ClosedByBroker)
                    {
                        Interlocked.Increment(ref closed);
                    }
                }
                catch (Exception ex) when (ex is IOException or SocketException or WebSocketException or AuthenticationException or OperationCanceledException or ObjectDisposedException)
                {
                    Interlocked.Increment(ref errors);
                }

                var finished = Interlocked.Increment(ref done);
                progress?.Report(finished);
            }
        }, cancellationToken))).ConfigureAwait(false);
        return new FuzzSummary(Math.Min(cases, done), loggedIn, closed, errors, Stopwatch.GetElapsedTime(started).TotalSeconds, byKind);
    }

    private async Task<(bool LoggedIn, bool ClosedByBroker)> RunCaseAsync(Random random, FuzzTransport transport, MqttProtocolVersion version, bool afterLogin, CancellationToken cancellationToken)
    {
        var mutator = new MqttPacketMutator(random);
        var identity = identities[random.Next(identities.Count)];
        await using var connection = await FuzzConnection.OpenAsync(targets, transport, cancellationToken).ConfigureAwait(false);
        var loggedIn = false;
        if (afterLogin)
        {
            await connection.SendAsync(MqttPacketMutator.Login(version, identity, $"fuzz-{random.Next():x8}"), cancellationToken).ConfigureAwait(false);
            var answer = await connection.ReceiveAsync(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
            loggedIn = answer is { Length: >= 4 } && answer[0] == 0x20 && answer[3] == 0;
        }

        for (var i = random.Next(1, afterLogin ? 6 : 2); i > 0; i--)
        {
            var packet = mutator.Packet(version, identity);
            if (random.Next(8) == 0)
            {
                // Dribbled a few bytes at a time.
                for (var at = 0; at < packet.Length; at += 7)
                {
                    await connection.SendAsync(packet[at..Math.Min(packet.Length, at + 7)], cancellationToken).ConfigureAwait(false);
                    await Task.Delay(1, cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                await connection.SendAsync(packet, cancellationToken).ConfigureAwait(false);
            }
        }

        var closedByBroker = false;
        switch (random.Next(3))
        {
            case 0:
                break;
            case 1:
                closedByBroker = await connection.ReceiveAsync(TimeSpan.FromMilliseconds(random.Next(10, 200)), cancellationToken).ConfigureAwait(false) is null;
                break;
            default:
                await connection.HalfCloseAsync().ConfigureAwait(false);
                closedByBroker = await connection.ReceiveAsync(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false) is null;
                break;
        }

        return (loggedIn, closedByBroker);
    }

    /// <summary>One connection to the broker over one of the transports, sending and receiving raw bytes.</summary>
    private sealed class FuzzConnection : IAsyncDisposable
    {
        private readonly TcpClient? _tcp;
        private readonly Stream? _stream;
        private readonly ClientWebSocket? _webSocket;

        private FuzzConnection(TcpClient? tcp, Stream? stream, ClientWebSocket? webSocket)
        {
            _tcp = tcp;
            _stream = stream;
            _webSocket = webSocket;
        }

        public static async Task<FuzzConnection> OpenAsync(FuzzTargets targets, FuzzTransport transport, CancellationToken cancellationToken)
        {
            if (transport == FuzzTransport.WebSocket)
            {
                var webSocket = new ClientWebSocket();
                webSocket.Options.AddSubProtocol("mqtt");
                await webSocket.ConnectAsync(targets.WebSocketUrl!, cancellationToken).ConfigureAwait(false);
                return new FuzzConnection(null, null, webSocket);
            }

            var tcp = new TcpClient { NoDelay = true, LingerState = new LingerOption(true, 0) };
            await tcp.ConnectAsync(targets.Host, transport == FuzzTransport.Tls ? targets.TlsPort!.Value : targets.TcpPort!.Value, cancellationToken).ConfigureAwait(false);
            Stream stream = tcp.GetStream();
            if (transport == FuzzTransport.Tls)
            {
                // The fuzzer attacks the broker; whose certificate it is does not matter here.
                var tls = new SslStream(stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = targets.Host }, cancellationToken).ConfigureAwait(false);
                stream = tls;
            }

            return new FuzzConnection(tcp, stream, null);
        }

        public async Task SendAsync(byte[] bytes, CancellationToken cancellationToken)
        {
            if (_webSocket is not null)
            {
                await _webSocket.SendAsync(bytes, WebSocketMessageType.Binary, endOfMessage: true, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await _stream!.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>What the broker sends within <paramref name="timeout"/>; empty if nothing, null if it closed the connection.</summary>
        public async Task<byte[]?> ReceiveAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(timeout);
            var buffer = new byte[4096];
            try
            {
                if (_webSocket is not null)
                {
                    var result = await _webSocket.ReceiveAsync(buffer, wait.Token).ConfigureAwait(false);
                    return result.MessageType == WebSocketMessageType.Close ? null : buffer[..result.Count];
                }

                var read = await _stream!.ReadAsync(buffer, wait.Token).ConfigureAwait(false);
                return read == 0 ? null : buffer[..read];
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return [];
            }
            catch (Exception ex) when (ex is IOException or WebSocketException or ObjectDisposedException)
            {
                return null;
            }
        }

        public async Task HalfCloseAsync()
        {
            try
            {
                if (_webSocket is not null)
                {
                    await _webSocket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false);
                }
                else
                {
                    _tcp!.Client.Shutdown(SocketShutdown.Send);
                }
            }
            catch (Exception ex) when (ex is SocketException or WebSocketException or ObjectDisposedException)
            {
            }
        }

        public async ValueTask DisposeAsync()
        {
            _webSocket?.Abort();
            _webSocket?.Dispose();
            if (_stream is not null)
            {
                await _stream.DisposeAsync().ConfigureAwait(false);
            }

            _tcp?.Dispose();
        }
    }
}
