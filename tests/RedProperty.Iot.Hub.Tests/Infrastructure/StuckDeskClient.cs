using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>
/// A desk client that connects to <c>/hubs/desk</c> over a raw WebSocket (SignalR JSON protocol), with a
/// tiny socket receive buffer, and then never reads: only its pings go out, so to the hub it looks alive.
/// </summary>
public sealed class StuckDeskClient : IAsyncDisposable
{
    private const char RecordSeparator = '\u001e';
    private readonly ClientWebSocket _socket;
    private readonly HttpMessageInvoker _invoker;
    private readonly CancellationTokenSource _stop = new();
    private Task _pings = Task.CompletedTask;

    private StuckDeskClient(ClientWebSocket socket, HttpMessageInvoker invoker)
    {
        _socket = socket;
        _invoker = invoker;
    }

    /// <summary>Connects with <c>?lastSeq=</c>, sends the handshake and, every 5 s, a ping; reads nothing.</summary>
    public static async Task<StuckDeskClient> ConnectAsync(Uri hub, string token, long lastSeq)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                // Set before connecting, so the window the hub sees stays this small.
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 4096 };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var invoker = new HttpMessageInvoker(handler);
        var client = new ClientWebSocket();
        client.Options.SetBuffer(4096, 4096);
        client.Options.KeepAliveInterval = TimeSpan.Zero;
        var url = new Uri($"ws://{hub.Host}:{hub.Port}/hubs/desk?lastSeq={lastSeq}&access_token={Uri.EscapeDataString(token)}");
        await client.ConnectAsync(url, invoker, CancellationToken.None);
        var stuck = new StuckDeskClient(client, invoker);
        await stuck.SendAsync("""{"protocol":"json","version":1}""");
        stuck._pings = stuck.PingAsync();
        return stuck;
    }

    /// <summary>
    /// Starts reading at last and returns once the hub has closed the connection (a close frame, the end of
    /// the stream or a reset); false when it is still open after <paramref name="timeout"/>.
    /// </summary>
    public async Task<bool> ReadUntilClosedAsync(TimeSpan timeout)
    {
        await _stop.CancelAsync();
        await _pings;
        using var deadline = new CancellationTokenSource(timeout);
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, deadline.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return true;
                }
            }
        }
        catch (WebSocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _pings;
        _socket.Abort();
        _socket.Dispose();
        _invoker.Dispose();
        _stop.Dispose();
    }

    private Task SendAsync(string message) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(message + RecordSeparator), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    private async Task PingAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(5), _stop.Token);
                await SendAsync("""{"type":6}""");
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // Stopped, or the hub has closed the connection.
        }
    }
}
