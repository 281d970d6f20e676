using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Prometheus;
using RedProperty.Iot.Hub.Metrics;

namespace RedProperty.Iot.Hub.Notifications;

/// <summary>
/// Delivers each site's outbox to its webhook, oldest first, one at a time (a receiver sees a site's events in
/// order): HTTP POST of the JSON body, signed (<see cref="Signature"/>); any 2xx is delivered, anything else
/// (an error status, a refused connection, no answer within the timeout) is retried with a doubling wait, and
/// an event still undelivered after <see cref="WebhookOptions.GiveUpAfter"/> is given up so the site's later
/// events go on. Redirects are not followed. Each site has its own loop: one slow receiver holds up no other.
/// </summary>
public sealed partial class WebhookSender(
    WebhookOutbox outbox, IHttpClientFactory clients, IOptions<WebhookOptions> options, HubMetrics metrics, TimeProvider time, ILogger<WebhookSender> logger) : BackgroundService
{
    public const string ClientName = "webhooks";

    private static readonly TimeSpan IdleWait = TimeSpan.FromMilliseconds(500);

    private readonly Counter _deliveries = Prometheus.Metrics.WithCustomRegistry(metrics.Registry).CreateCounter(
        "rp_hub_webhook_deliveries_total", "Webhook requests by site and outcome (delivered, failed: will be retried, given_up: undelivered after Webhooks:GiveUpAfter).", "site", "outcome");

    /// <summary><c>sha256=</c> and the hex HMAC-SHA256, keyed with the site's secret, of the timestamp, a dot and the body.</summary>
    public static string Signature(string secret, long timestamp, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp.ToString(CultureInfo.InvariantCulture)}.{body}")));

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(options.Value.Sites.Select(site => RunSiteAsync(site.Key, site.Value, stoppingToken)));

    private async Task RunSiteAsync(string site, SiteWebhook hook, CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var next = await outbox.OldestAsync(site, stoppingToken).ConfigureAwait(false);
                var now = time.GetUtcNow();
                if (next is null || next.NextAt > now)
                {
                    var wait = next is null ? IdleWait : TimeSpan.FromTicks(Math.Min((next.NextAt - now).Ticks, IdleWait.Ticks));
                    await outbox.WaitForCommitAsync(wait, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                await DeliverAsync(hook, next, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverAsync(SiteWebhook hook, WebhookDelivery delivery, CancellationToken stoppingToken)
    {
        var failure = await SendAsync(hook, delivery, stoppingToken).ConfigureAwait(false);
        if (failure is null)
        {
            await outbox.RemoveAsync(delivery.Id, stoppingToken).ConfigureAwait(false);
            _deliveries.WithLabels(delivery.Site, "delivered").Inc();
            return;
        }

        var now = time.GetUtcNow();
        var attempts = delivery.Attempts + 1;
        if (now - delivery.CreatedAt >= options.Value.GiveUpAfter)
        {
            await outbox.RemoveAsync(delivery.Id, stoppingToken).ConfigureAwait(false);
            _deliveries.WithLabels(delivery.Site, "given_up").Inc();
            LogGivenUp(logger, delivery.Event, delivery.Id, delivery.Site, attempts, failure);
            return;
        }

        var first = options.Value.FirstRetryDelay;
        var delay = TimeSpan.FromTicks(Math.Min(first.Ticks * (1L << Math.Min(attempts - 1, 30)), options.Value.MaxRetryDelay.Ticks));
        await outbox.DeferAsync(delivery.Id, attempts, now + delay, failure, stoppingToken).ConfigureAwait(false);
        _deliveries.WithLabels(delivery.Site, "failed").Inc();
        LogFailed(logger, delivery.Event, delivery.Id, delivery.Site, attempts, failure, delay);
    }

    /// <returns>Null when the receiver took it (2xx), else what went wrong.</returns>
    private async Task<string?> SendAsync(SiteWebhook hook, WebhookDelivery delivery, CancellationToken stoppingToken)
    {
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url)
        {
            Content = new StringContent(delivery.Body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Add("X-RedProperty-Event", delivery.Event);
        request.Headers.Add("X-RedProperty-Delivery", delivery.Id.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("X-RedProperty-Timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("X-RedProperty-Signature", Signature(hook.Secret!, timestamp, delivery.Body));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        timeout.CancelAfter(options.Value.RequestTimeout);
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}";
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return $"no answer within {options.Value.RequestTimeout.TotalSeconds:0.#} s";
        }
        catch (HttpRequestException e)
        {
            return e.Message;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Event} #{Id} for site {Site} failed (attempt {Attempts}): {Failure}; next try in {Delay}")]
    private static partial void LogFailed(ILogger logger, string @event, long id, string site, int attempts, string failure, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook {Event} #{Id} for site {Site} given up after {Attempts} attempts: {Failure}")]
    private static partial void LogGivenUp(ILogger logger, string @event, long id, string site, int attempts, string failure);
}
