using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Metrics;

namespace RedProperty.Iot.Hub.Staff;

/// <summary>
/// ASP.NET Core rate limiting in front of every endpoint that checks a password, per client address: one
/// check at a time (a few more wait), and <see cref="StaffLoginOptions.AttemptsPerMinute"/> a minute. So a
/// flood from one address holds at most one of the hub's few hashing slots and is answered 429 at once,
/// while others still get in. Other endpoints are not limited.
/// </summary>
public static class StaffRateLimits
{
    private const int QueuedPerAddress = 4;

    /// <summary>Marks an endpoint that checks a password.</summary>
    public static TBuilder ChecksPassword<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(PasswordCheck.Instance);

    public static IServiceCollection AddStaffRateLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<StaffOptions>>((limiter, staff) =>
        {
            var perMinute = staff.Value.Login.AttemptsPerMinute;
            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(http => ChecksPassword(http)
                    ? RateLimitPartition.GetConcurrencyLimiter(ClientAddress.Of(http), _ => new ConcurrencyLimiterOptions
                    {
                        PermitLimit = 1,
                        QueueLimit = QueuedPerAddress,
                        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                    })
                    : RateLimitPartition.GetNoLimiter(string.Empty)),
                PartitionedRateLimiter.Create<HttpContext, string>(http => ChecksPassword(http)
                    ? RateLimitPartition.GetTokenBucketLimiter(ClientAddress.Of(http), _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = perMinute,
                        TokensPerPeriod = 1,
                        ReplenishmentPeriod = TimeSpan.FromMinutes(1) / perMinute,
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    })
                    : RateLimitPartition.GetNoLimiter(string.Empty)));
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var http = context.HttpContext;
                var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
                if (!ChecksPassword(http))
                {
                    // Another endpoint's own limit (residents' reports): say why and when to try again.
                    var seconds = (int)Math.Ceiling(wait.TotalSeconds);
                    http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
                            detail: $"Too many requests from this address; try again in {seconds} s.")
                        .ExecuteAsync(http).ConfigureAwait(false);
                    return;
                }

                StaffLogins.Counter(http.RequestServices.GetRequiredService<HubMetrics>()).WithLabels("rate_limited").Inc();
                await LoginProblems.TooManyAttempts(http, wait).ExecuteAsync(http).ConfigureAwait(false);
            };
        });
        return services;
    }

    private static bool ChecksPassword(HttpContext http) => http.GetEndpoint()?.Metadata.GetMetadata<PasswordCheck>() is not null;

    private sealed class PasswordCheck
    {
        public static readonly PasswordCheck Instance = new();
    }
}
