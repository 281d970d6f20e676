using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using RedProperty.Iot.Hub.Staff;

namespace RedProperty.Iot.Hub.Desk;

/// <summary>
/// The open desk connections (<c>/hubs/desk</c>), which outlive the request that authenticated them: when an
/// account is disabled or its password, role or sites change, its connections are closed at once (through
/// the hub) or at the next check, every half <see cref="StaffSessions.CheckEvery"/> (changes made behind the
/// hub's back). The desk then finds its session refused and goes to the login page.
/// </summary>
public sealed partial class DeskSessionWatch(StaffSessions sessions, ILogger<DeskSessionWatch> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, HubCallerContext> _connections = new(StringComparer.Ordinal);

    public int Count => _connections.Count;

    public void Add(HubCallerContext connection) => _connections[connection.ConnectionId] = connection;

    public void Remove(HubCallerContext connection) => _connections.TryRemove(connection.ConnectionId, out _);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        sessions.AccountChanged += OnAccountChanged;
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        sessions.AccountChanged -= OnAccountChanged;
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(sessions.CheckEvery / 2);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                foreach (var connection in _connections.Values)
                {
                    if (!await sessions.IsCurrentAsync(connection.User, stoppingToken).ConfigureAwait(false))
                    {
                        Close(connection);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void OnAccountChanged(string username)
    {
        foreach (var connection in _connections.Values)
        {
            if (string.Equals(connection.User?.Identity?.Name, username, StringComparison.OrdinalIgnoreCase))
            {
                Close(connection);
            }
        }
    }

    private void Close(HubCallerContext connection)
    {
        if (_connections.TryRemove(connection.ConnectionId, out _))
        {
            LogClosed(logger, connection.User?.Identity?.Name ?? "?", connection.ConnectionId);
            connection.Abort();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Desk connection of {User} ({ConnectionId}) closed: the account was disabled or changed")]
    private static partial void LogClosed(ILogger logger, string user, string connectionId);
}
