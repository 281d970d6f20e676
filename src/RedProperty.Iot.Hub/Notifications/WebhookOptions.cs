using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace RedProperty.Iot.Hub.Notifications;

/// <summary>One site's webhook (<c>Webhooks:Sites:{site}</c>).</summary>
public sealed class SiteWebhook
{
    /// <summary>Where the events are POSTed (http or https).</summary>
    public string? Url { get; set; }

    /// <summary>Signs every request (HMAC-SHA256); the receiver checks it. At least 16 characters.</summary>
    public string? Secret { get; set; }

    /// <summary>Which events go: <c>alert.raised</c>, <c>alert.escalated</c>, <c>alert.resolved</c> (default all three).</summary>
    public string[] Events { get; set; } = [.. WebhookEvents.All];
}

/// <summary>Outbound notifications (<c>Webhooks:*</c>): a webhook per site, retried from the outbox.</summary>
public sealed class WebhookOptions : IValidatableObject
{
    public const string Section = "Webhooks";

    public const int MinSecretLength = 16;

    public Dictionary<string, SiteWebhook> Sites { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The first retry's wait; each later one waits twice as long, up to <see cref="MaxRetryDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>An event not delivered by then is given up (logged and counted); later events of the site go on.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromDays(2);

    /// <summary>One request's longest wait for the receiver's answer.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (site, hook) in Sites)
        {
            var key = $"{Section}:Sites:{site}";
            if (!Uri.TryCreate(hook.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                yield return new ValidationResult($"{key}:Url '{hook.Url}' must be an absolute http or https address", [nameof(Sites)]);
            }

            if (hook.Secret is not { Length: >= MinSecretLength })
            {
                yield return new ValidationResult($"{key}:Secret must be at least {MinSecretLength} characters (openssl rand -hex 32)", [nameof(Sites)]);
            }

            foreach (var unknown in hook.Events.Where(e => !WebhookEvents.All.Contains(e)))
            {
                yield return new ValidationResult($"{key}:Events '{unknown}' is not one of {string.Join(", ", WebhookEvents.All)}", [nameof(Sites)]);
            }
        }
    }
}

[OptionsValidator]
public sealed partial class WebhookOptionsValidator : IValidateOptions<WebhookOptions>;
