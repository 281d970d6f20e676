using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace RedProperty.Iot.FirmwareSim.Commands;

/// <summary>A desk (<c>/hubs/desk</c>) signed in as a member of staff, as the commands that time alerts to a desk use it.</summary>
public static class DeskConnection
{
    /// <summary>The desk connection, not started yet; null (said on <paramref name="output"/>) when the login is refused.</summary>
    public static async Task<HubConnection?> SignInAsync(Uri hub, string? username, string? password, TextWriter output, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = hub };
        using var login = await http.PostAsJsonAsync("/api/auth/token", new { username, password }, cancellationToken).ConfigureAwait(false);
        if (!login.IsSuccessStatusCode)
        {
            await output.WriteLineAsync($"login as {username} refused: {(int)login.StatusCode}").ConfigureAwait(false);
            return null;
        }

        var token = (await login.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false)).GetProperty("accessToken").GetString();
        return new HubConnectionBuilder().WithUrl(new Uri(hub, "/hubs/desk"), o => o.AccessTokenProvider = () => Task.FromResult(token)).Build();
    }
}
