using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Logging;
using RedProperty.Iot.Hub.Metrics;

namespace RedProperty.Iot.Hub.Broker.Transport;

/// <summary>
/// The broker's door: admits MQTT connections within the total and per-address limits, watches each
/// one (CONNECT deadline, keep-alive), and closes those that break a limit — counted in
/// <c>rp_hub_connections_closed_total{reason}</c> and logged once per source and reason a minute.
/// Transport timeouts run on the real clock, whatever clock the hub's domain runs on.
/// </summary>
public sealed partial class MqttTransportGuard(IOptions<MqttLimitsOptions> options, HubMetrics metrics, ILogger<MqttTransportGuard> logger)
{
    private readonly Lock _countsLock = new();
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private readonly ConcurrentDictionary<GuardedConnection, byte> _live = new();
    private readonly OncePerMinute _logGate = new();
    private int _total;

    public MqttLimitsOptions Limits => options.Value;

    /// <summary>Connection middleware, first in an MQTT listener's pipeline (before TLS).</summary>
    public ConnectionDelegate Admit(ConnectionDelegate next) => async connection =>
    {
        var address = RemoteAddressOf(connection);
        var refusal = TryTake(address);
        if (refusal != ConnectionCloseReason.None)
        {
            Count(refusal, address?.ToString() ?? "unknown");
            connection.Abort(new ConnectionAbortedException($"refused by the hub: {refusal.ToWire()}"));
            return;
        }

        var guarded = new GuardedConnection(connection, address, TimeProvider.System, Limits.ConnectTimeout);
        connection.Items[typeof(GuardedConnection)] = guarded;
        _live.TryAdd(guarded, 0);
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            _live.TryRemove(guarded, out _);
            Give(address);
        }
    };

    /// <summary>The connection's guard, with its input read through a <see cref="PacketGuardReader"/>.</summary>
    public GuardedConnection Guard(ConnectionContext connection)
    {
        if (connection.Items.TryGetValue(typeof(GuardedConnection), out var item) && item is GuardedConnection guarded)
        {
            connection.Transport = new GuardedPipe(new PacketGuardReader(connection.Transport.Input, guarded, this, Limits), new GracefulOutput(connection.Transport.Output, guarded));
            return guarded;
        }

        throw new InvalidOperationException("MQTT connection without admission: the listener must run MqttTransportGuard.Admit first");
    }

    /// <summary>
    /// For a limit broken by what the client sent: tells an MQTT 5 client why, and returns the exception
    /// that ends its read (and with it the connection, after what was written has gone out).
    /// </summary>
    public async ValueTask<Exception> RefuseAsync(GuardedConnection connection, ConnectionCloseReason reason)
    {
        if (connection.TryMarkClosing(reason))
        {
            Count(reason, connection.Source);
            await connection.SayWhyAsync(reason).ConfigureAwait(false);
        }

        return new ConnectionAbortedException($"closed by the hub: {reason.ToWire()}");
    }

    /// <summary>Closes <paramref name="connection"/> for <paramref name="reason"/> at once and returns the exception that ends its read.</summary>
    public Exception Fail(GuardedConnection connection, ConnectionCloseReason reason)
    {
        if (connection.Close(reason))
        {
            Count(reason, connection.Source);
        }

        return new ConnectionAbortedException($"closed by the hub: {reason.ToWire()}");
    }

    /// <summary>Closes the connections that did not finish their CONNECT in time or have been silent past their keep-alive.</summary>
    public void Sweep()
    {
        var now = TimeProvider.System.GetTimestamp();
        foreach (var connection in _live.Keys)
        {
            if (!connection.ConnectReceived)
            {
                if (now > connection.ConnectDeadline)
                {
                    Fail(connection, ConnectionCloseReason.ConnectTimeout);
                }
            }
            else if (TimeProvider.System.GetElapsedTime(connection.LastReceived, now) > connection.IdleLimit)
            {
                Fail(connection, ConnectionCloseReason.KeepAliveTimeout);
            }
        }
    }

    public int Open => Volatile.Read(ref _total);

    private ConnectionCloseReason TryTake(IPAddress? address)
    {
        lock (_countsLock)
        {
            if (_total >= Limits.MaxConnections)
            {
                return ConnectionCloseReason.TooManyConnections;
            }

            if (address is not null)
            {
                _perAddress.TryGetValue(address, out var fromAddress);
                if (fromAddress >= Limits.MaxConnectionsPerAddress)
                {
                    return ConnectionCloseReason.TooManyFromAddress;
                }

                _perAddress[address] = fromAddress + 1;
            }

            _total++;
            return ConnectionCloseReason.None;
        }
    }

    private void Give(IPAddress? address)
    {
        lock (_countsLock)
        {
            _total--;
            if (address is not null && _perAddress.TryGetValue(address, out var fromAddress))
            {
                if (fromAddress <= 1)
                {
                    _perAddress.Remove(address);
                }
                else
                {
                    _perAddress[address] = fromAddress - 1;
                }
            }
        }
    }

    private void Count(ConnectionCloseReason reason, string source)
    {
        metrics.ConnectionsClosed.WithLabels(reason.ToWire()).Inc();
        if (_logGate.ShouldLog(reason.ToWire(), source))
        {
            LogClosed(logger, source, reason.ToWire());
        }
    }

    /// <summary>The client's address over TCP (Kestrel) and over WebSockets (the HTTP connection underneath).</summary>
    private static IPAddress? RemoteAddressOf(ConnectionContext connection)
    {
        var address = (connection.RemoteEndPoint as IPEndPoint)?.Address
            ?? connection.Features.Get<IHttpConnectionFeature>()?.RemoteIpAddress;
        return address is { AddressFamily: AddressFamily.InterNetworkV6, IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;
    }

    private sealed class GuardedPipe(PacketGuardReader input, GracefulOutput output) : System.IO.Pipelines.IDuplexPipe
    {
        public System.IO.Pipelines.PipeReader Input { get; } = input;

        public System.IO.Pipelines.PipeWriter Output { get; } = output;
    }
}
