using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>A real SignalR client of /hubs/desk that records what it receives.</summary>
public sealed class DeskClient : IAsyncDisposable
{
    private readonly HubConnection _connection;

    private DeskClient(HubConnection connection)
    {
        _connection = connection;
        foreach (var method in new[] { "alertRaised", "alertUpdated", "deviceStatusChanged", "snapshot", "elevatorChanged" })
        {
            _connection.On<JsonElement>(method, payload =>
            {
                Received.Enqueue((method, payload, DateTime.UtcNow));
                Signal.Release();
            });
        }
    }

    public ConcurrentQueue<(string Method, JsonElement Payload, DateTime At)> Received { get; } = new();

    private SemaphoreSlim Signal { get; } = new(0);

    public HubConnection Connection => _connection;

    public static async Task<DeskClient> ConnectAsync(HubHost hub, string token, long? lastSeq = null)
    {
        var url = new Uri(hub.HttpUrl, lastSeq is { } seq ? $"/hubs/desk?lastSeq={seq}" : "/hubs/desk");
        var connection = new HubConnectionBuilder()
            .WithUrl(url, o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        var client = new DeskClient(connection);
        await connection.StartAsync();
        return client;
    }

    /// <summary>Waits for a message of the given method matching the predicate.</summary>
    public async Task<(JsonElement Payload, DateTime At)> WaitForAsync(string method, Func<JsonElement, bool>? match = null, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            foreach (var item in Received)
            {
                if (item.Method == method && (match is null || match(item.Payload)))
                {
                    return (item.Payload, item.At);
                }
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                Assert.Fail($"no {method} within the timeout; received: {string.Join(", ", Received.Select(r => r.Method))}");
            }

            await Signal.WaitAsync(left);
        }
    }

    public IReadOnlyList<(string Method, JsonElement Payload)> All(string method) =>
        Received.Where(r => r.Method == method).Select(r => (r.Method, r.Payload)).ToArray();

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}
