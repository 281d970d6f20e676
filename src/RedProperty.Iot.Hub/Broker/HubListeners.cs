using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace RedProperty.Iot.Hub.Broker;

/// <summary>The Kestrel listeners the hub opened, so the bound ports are known after start (port 0 in tests).</summary>
public sealed class HubListeners
{
    private readonly List<ListenOptions> _http = [];

    public ListenOptions? Mqtt { get; set; }

    public int MqttPort => Mqtt?.IPEndPoint?.Port ?? 0;

    public IReadOnlyList<ListenOptions> Http => _http;

    public void AddHttp(ListenOptions listener) => _http.Add(listener);

    /// <summary>Base URLs of the HTTP listeners as bound, e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public IEnumerable<string> HttpUrls => _http.Where(l => l.IPEndPoint is not null).Select(l => Url(l.IPEndPoint!));

    private static string Url(IPEndPoint endPoint)
    {
        var address = endPoint.Address.Equals(IPAddress.Any) ? IPAddress.Loopback
            : endPoint.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : endPoint.Address;
        var host = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        return $"http://{host}:{endPoint.Port}";
    }
}
