using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.ChangeLog;
using RedProperty.Iot.Hub.Field;
using RedProperty.Iot.Hub.Storage;
using RedProperty.Iot.Hub.Views;

namespace RedProperty.Iot.Hub.Notifications;

/// <summary>An event waiting to be delivered to its site's webhook.</summary>
public sealed record WebhookDelivery(long Id, string Site, string Event, string Body, DateTimeOffset CreatedAt, int Attempts, DateTimeOffset NextAt);

/// <summary>
/// The webhooks' outbox in <c>hub.db</c>: an event is written in the transaction that stores the alert change
/// it tells of, so a change that is stored is delivered (after a crash too), and one that is not, is not.
/// Rows leave when delivered or given up.
/// </summary>
public sealed class WebhookOutbox(HubDatabase database, IOptions<WebhookOptions> options, GridDispatcher dispatcher) : IAlertChangeOutbox
{
    private readonly SemaphoreSlim _committed = new(0, 1);

    public async Task StageAsync(SqliteTransaction transaction, AlertView alert, string transition, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (WebhookEvents.Of(transition) is not { } name
            || !options.Value.Sites.TryGetValue(alert.Site, out var hook)
            || !hook.Events.Contains(name, StringComparer.Ordinal))
        {
            return;
        }

        await using var insert = transaction.Command("INSERT INTO webhook_outbox (site, event, body, created_at, next_at) VALUES ($site, $event, $body, $at, $at);")
            .With("$site", alert.Site)
            .With("$event", name)
            .With("$body", Body(name, alert, at, name == WebhookEvents.Escalated ? dispatcher.SupervisorsOf(alert.Site, alert.Zone) : null))
            .With("$at", at.ToUnixTimeMilliseconds());
        await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Committed()
    {
        if (_committed.CurrentCount == 0)
        {
            try
            {
                _committed.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another commit woke the sender already.
            }
        }
    }

    /// <summary>Completes when a change was committed since the last wait, or after <paramref name="timeout"/>.</summary>
    public Task<bool> WaitForCommitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _committed.WaitAsync(timeout, cancellationToken);

    /// <summary>The site's oldest event: events of a site are delivered in order, one at a time.</summary>
    public Task<WebhookDelivery?> OldestAsync(string site, CancellationToken cancellationToken) =>
        database.RunAsync(async (connection, ct) =>
        {
            await using var query = connection.Command("SELECT id, site, event, body, created_at, attempts, next_at FROM webhook_outbox WHERE site = $site ORDER BY id LIMIT 1;").With("$site", site);
            var rows = await query.ListAsync(r => new WebhookDelivery(
                r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)), r.GetInt32(5), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6))), ct).ConfigureAwait(false);
            return rows.Count == 0 ? null : rows[0];
        }, cancellationToken);

    public Task RemoveAsync(long id, CancellationToken cancellationToken) =>
        database.RunAsync(async (connection, ct) =>
        {
            await using var delete = connection.Command("DELETE FROM webhook_outbox WHERE id = $id;").With("$id", id);
            return await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);

    public Task DeferAsync(long id, int attempts, DateTimeOffset nextAt, string error, CancellationToken cancellationToken) =>
        database.RunAsync(async (connection, ct) =>
        {
            await using var update = connection.Command("UPDATE webhook_outbox SET attempts = $attempts, next_at = $next, last_error = $error WHERE id = $id;")
                .With("$id", id)
                .With("$attempts", attempts)
                .With("$next", nextAt.ToUnixTimeMilliseconds())
                .With("$error", error);
            return await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>
    /// The request body: <c>{"event","site","at","alert"}</c>, the alert as REST and the desk see it; an escalation
    /// also names the supervisors to tell (<c>notify</c>: the zone's, else the site's), for the receiver to reach.
    /// </summary>
    private static string Body(string name, AlertView alert, DateTimeOffset at, IReadOnlyList<string>? notify)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("event", name);
            json.WriteString("site", alert.Site);
            json.WriteString("at", at);
            json.WritePropertyName("alert");
            JsonSerializer.Serialize(json, alert, DeskJsonContext.Default.AlertView);
            if (notify is not null)
            {
                json.WriteStartArray("notify");
                foreach (var username in notify)
                {
                    json.WriteStringValue(username);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
