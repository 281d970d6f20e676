using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace RedProperty.Iot.Hub.Hosting;

/// <summary>The Kestrel listeners the hub opened, so the bound ports are known after start (port 0 in tests).</summary>
public sealed class HubListeners
{
    private readonly List<(ListenOptions Listener, string Scheme)> _http = [];

    public ListenOptions? Mqtt { get; set; }

    public int MqttPort => Mqtt?.IPEndPoint?.Port ?? 0;

    /// <summary>MQTT over TLS, when a certificate is configured.</summary>
    public ListenOptions? MqttTls { get; set; }

    public int MqttTlsPort => MqttTls?.IPEndPoint?.Port ?? 0;

    public IReadOnlyList<ListenOptions> Http => _http.Select(h => h.Listener).ToArray();

    public void AddHttp(ListenOptions listener) => _http.Add((listener, "http"));

    public void AddHttps(ListenOptions listener) => _http.Add((listener, "https"));

    /// <summary>Base URLs of the HTTP listeners as bound, e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public IEnumerable<string> HttpUrls => _http.Where(h => h.Listener.IPEndPoint is not null).Select(h => Url(h.Scheme, h.Listener.IPEndPoint!));

    private static string Url(string scheme, IPEndPoint endPoint)
    {
        var address = endPoint.Address.Equals(IPAddress.Any) ? IPAddress.Loopback
            : endPoint.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback
            : endPoint.Address;
        var host = address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
        return $"{scheme}://{host}:{endPoint.Port}";
    }
}
