using System.Net;
using System.Net.Sockets;

namespace RedProperty.Iot.Hub.Staff;

/// <summary>
/// Who is knocking, for login throttling: the connection's remote address as the hub sees it. Forwarded
/// headers (X-Forwarded-For, Forwarded) are not trusted: the hub runs no forwarded-headers middleware, so
/// nobody picks a fresh address per request. An IPv6 client counts by its /64, which one host usually has whole.
/// </summary>
public static class ClientAddress
{
    public static string Of(HttpContext http)
    {
        var address = http.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6 || IPAddress.IsLoopback(address))
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return $"{new IPAddress(bytes)}/64";
    }
}
