using System.Net.Http.Json;
using System.Text.Json;

namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>What a browser does before a state-changing request on a cookie session.</summary>
public static class DeskSession
{
    /// <summary>Fetches an anti-forgery token (its cookie lands in the client's container) and sends it from now on.</summary>
    public static async Task UseAntiforgeryTokenAsync(HttpClient client)
    {
        var token = await client.GetFromJsonAsync<JsonElement>("/api/auth/antiforgery");
        var header = token.GetProperty("headerName").GetString()!;
        client.DefaultRequestHeaders.Remove(header);
        client.DefaultRequestHeaders.Add(header, token.GetProperty("token").GetString());
    }

    /// <summary>A cookie session as the desk screen has it: logged in, with the session's anti-forgery token.</summary>
    public static async Task<HttpClient> LoginAsync(Uri hub, string username, string password)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new System.Net.CookieContainer() }) { BaseAddress = hub };
        await UseAntiforgeryTokenAsync(client);
        using var response = await client.PostAsJsonAsync("/api/auth/login", new { username, password });
        response.EnsureSuccessStatusCode();
        await UseAntiforgeryTokenAsync(client);
        return client;
    }
}
