using Microsoft.AspNetCore.SignalR;

namespace RedProperty.Iot.Hub.Desk;

/// <summary>
/// Cross-cutting for the desk hub: who connected and left (the desk's own audit), each connection watched
/// for its account being disabled or changed (<see cref="DeskSessionWatch"/>), and hub method failures
/// logged with the caller instead of vanishing into a generic client error.
/// </summary>
public sealed partial class DeskHubFilter(DeskSessionWatch sessions, ILogger<DeskHubFilter> logger) : IHubFilter
{
    public async Task OnConnectedAsync(HubLifetimeContext context, Func<HubLifetimeContext, Task> next)
    {
        sessions.Add(context.Context);
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch
        {
            // A connection that failed to start gets no OnDisconnectedAsync.
            sessions.Remove(context.Context);
            throw;
        }

        LogConnected(logger, context.Context.UserIdentifier ?? context.Context.User?.Identity?.Name ?? "?", context.Context.ConnectionId);
    }

    public async Task OnDisconnectedAsync(HubLifetimeContext context, Exception? exception, Func<HubLifetimeContext, Exception?, Task> next)
    {
        sessions.Remove(context.Context);
        LogDisconnected(logger, context.Context.User?.Identity?.Name ?? "?", context.Context.ConnectionId, exception?.Message);
        await next(context, exception).ConfigureAwait(false);
    }

    public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
    {
        try
        {
            return await next(invocationContext).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not HubException)
        {
            LogMethodFailed(logger, ex, invocationContext.HubMethodName, invocationContext.Context.User?.Identity?.Name ?? "?");
            throw new HubException($"{invocationContext.HubMethodName} failed; the hub logged why");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Desk connected: {User} ({ConnectionId})")]
    private static partial void LogConnected(ILogger logger, string user, string connectionId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Desk disconnected: {User} ({ConnectionId}) {Reason}")]
    private static partial void LogDisconnected(ILogger logger, string user, string connectionId, string? reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Desk hub method {Method} failed for {User}")]
    private static partial void LogMethodFailed(ILogger logger, Exception exception, string method, string user);
}
