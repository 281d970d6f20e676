using System.Net;
using System.Net.Sockets;

namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>
/// A loopback TCP forwarder put between a browser and the hub, so a test can cut the browser's connections
/// (<see cref="CutAll"/>) and keep it from reconnecting (<see cref="Refusing"/>) while the hub stays up.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _targetPort;
    private readonly Lock _gate = new();
    private readonly HashSet<Connection> _connections = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task _acceptLoop = Task.CompletedTask;
    private volatile bool _refusing;
    private int _disposed;

    private TcpProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
    }

    /// <summary>The port the proxy listens on (127.0.0.1).</summary>
    public int Port { get; private set; }

    public string Url => $"http://127.0.0.1:{Port}/";

    /// <summary>While true, new connections are accepted and reset at once; the ones already open are left alone.</summary>
    public bool Refusing
    {
        get => _refusing;
        set => _refusing = value;
    }

    /// <summary>Connections being forwarded now.</summary>
    public int ActiveConnections
    {
        get
        {
            lock (_gate)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>Listens on a free loopback port and forwards every connection to 127.0.0.1:<paramref name="targetPort"/>.</summary>
    public static TcpProxy Start(int targetPort)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(targetPort, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(targetPort, 65535);
        var proxy = new TcpProxy(targetPort);
        proxy._listener.Start();
        proxy.Port = ((IPEndPoint)proxy._listener.LocalEndpoint).Port;
        proxy._acceptLoop = proxy.AcceptLoopAsync();
        return proxy;
    }

    /// <summary>Resets every current connection, on both sides (the browser sees the connection drop, the hub too).</summary>
    public void CutAll()
    {
        Connection[] current;
        lock (_gate)
        {
            current = [.. _connections];
        }

        foreach (var connection in current)
        {
            connection.Abort();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stopping.Cancel();
        _listener.Stop();
        await _acceptLoop;

        // The accept loop has ended, so no connection can be added any more.
        Connection[] remaining;
        lock (_gate)
        {
            remaining = [.. _connections];
        }

        foreach (var connection in remaining)
        {
            connection.Abort();
        }

        await Task.WhenAll(remaining.Select(c => c.Completion));
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || _stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                // A client that gave up before it was accepted; keep listening.
                continue;
            }

            if (_refusing)
            {
                Reset(client);
                continue;
            }

            var connection = new Connection(client);
            lock (_gate)
            {
                _connections.Add(connection);
            }

            connection.Completion = RelayAsync(connection);
        }
    }

    private async Task RelayAsync(Connection connection)
    {
        try
        {
            connection.Client.NoDelay = true;
            connection.Upstream.NoDelay = true;
            await connection.Upstream.ConnectAsync(IPAddress.Loopback, _targetPort);
            await using var fromClient = new NetworkStream(connection.Client, ownsSocket: false);
            await using var toTarget = new NetworkStream(connection.Upstream, ownsSocket: false);
            await Task.WhenAll(
                PumpAsync(connection, fromClient, toTarget, connection.Upstream),
                PumpAsync(connection, toTarget, fromClient, connection.Client));
        }
        catch (Exception)
        {
            // Target down, or the connection was cut while connecting: the client sees a reset.
            connection.Abort();
        }
        finally
        {
            connection.Close();
            lock (_gate)
            {
                _connections.Remove(connection);
            }
        }
    }

    /// <summary>Copies one direction; at its end passes the FIN on, on a failure resets the whole connection. Never throws.</summary>
    private static async Task PumpAsync(Connection connection, Stream from, Stream to, Socket destination)
    {
        try
        {
            await from.CopyToAsync(to);
            destination.Shutdown(SocketShutdown.Send);
        }
        catch (Exception)
        {
            connection.Abort();
        }
    }

    /// <summary>Closes with a RST instead of a FIN (SO_LINGER 0).</summary>
    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }

        socket.Close(0);
    }

    private sealed class Connection(Socket client)
    {
        private int _closed;

        public Socket Client { get; } = client;

        public Socket Upstream { get; } = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

        public Task Completion { get; set; } = Task.CompletedTask;

        public void Abort()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                Reset(Client);
                Reset(Upstream);
            }
        }

        public void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                Client.Dispose();
                Upstream.Dispose();
            }
        }
    }
}
