using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>
/// HTTP clients that reach the hub from a chosen loopback address (127.0.0.2, 127.0.0.3, …): Linux routes all of
/// 127.0.0.0/8 to lo, so the hub sees different remote addresses without trusting any forwarded header.
/// </summary>
public static class LoopbackClient
{
    public static HttpClient Create(Uri hub, string localAddress, int maxConnections = 16, CookieContainer? cookies = null)
    {
        var local = IPAddress.Parse(localAddress);
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            UseCookies = cookies is not null,
            CookieContainer = cookies ?? new CookieContainer(),
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(local, 0));
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
        return new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{hub.Port}") };
    }

    /// <summary>POST /api/auth/token from this client.</summary>
    public static Task<HttpResponseMessage> TokenAsync(this HttpClient client, string username, string password, CancellationToken cancellationToken = default) =>
        client.PostAsJsonAsync("/api/auth/token", new { username, password }, cancellationToken);

    /// <summary>The access token of a successful login.</summary>
    public static async Task<string> AccessTokenAsync(this HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }
}
