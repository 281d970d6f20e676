using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using RedProperty.Iot.Hub.Sites;
using RedProperty.Iot.Hub.Staff;

namespace RedProperty.Iot.Hub.Field;

public sealed record ResidentReportRequest(string? Place, string? Category, string? Text, string? Phone);

public sealed record ResidentReportCreated(string TrackingUrl);

/// <summary>The residents' side of a sticker: their page, their report, and following it. No login; rate limited.</summary>
public static class ResidentEndpoints
{
    public const string RateLimitPolicy = "resident-reports";

    /// <summary>Reports one address may send in <see cref="AddressWindow"/>.</summary>
    public const int ReportsPerAddress = 5;

    public static readonly TimeSpan AddressWindow = TimeSpan.FromMinutes(10);

    /// <summary>The residents' pages and what they read (the place, the tracking link): per address and minute.</summary>
    public const string ReadRateLimitPolicy = "resident-pages";

    public const int ReadsPerAddressPerMinute = 60;

    public static IServiceCollection AddResidentRateLimit(this IServiceCollection services) =>
        services.Configure<RateLimiterOptions>(o =>
        {
            o.AddPolicy(RateLimitPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                ClientAddress.Of(http),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = ReportsPerAddress, Window = AddressWindow, QueueLimit = 0 }));
            // A page that polls its tracking link every 15 s uses 4 a minute; trying tokens by the thousand is stopped.
            o.AddPolicy(ReadRateLimitPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                ClientAddress.Of(http),
                _ => new FixedWindowRateLimiterOptions { PermitLimit = ReadsPerAddressPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
        });

    public static IEndpointRouteBuilder MapResidentEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet(PlaceLinks.ResidentPath + "{token}", (IWebHostEnvironment environment) => FieldPages.Page(environment, "r/index.html"))
            .AllowAnonymous()
            .RequireRateLimiting(ReadRateLimitPolicy)
            .ExcludeFromDescription();

        app.MapGet("/api/resident-reports/place/{token}", (string token, PlaceStickers stickers) =>
                stickers.Read(StickerPurpose.Resident, token) is var sticker && sticker.IsValid
                    ? Results.Ok(new { siteName = sticker.Site!.Name, placeName = sticker.Place!.Name, categories = ResidentCategories.All.Keys })
                    : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown sticker", detail: sticker.Problem))
            .AllowAnonymous()
            .RequireRateLimiting(ReadRateLimitPolicy)
            .WithTags("Field")
            .WithSummary("The place a residents' sticker names (what the residents' page shows).");

        app.MapPost("/api/resident-reports", async (HttpContext http, PlaceStickers stickers, ResidentReports reports, SiteOwnership ownership, PlaceLinks links, CancellationToken ct) =>
            {
                if (PhotoUploads.LimitBody(http) is { } tooLarge)
                {
                    return tooLarge;
                }

                var (request, form, unreadable) = await ReadRequestAsync(http.Request, ct);
                if (unreadable is not null)
                {
                    return unreadable;
                }

                var sticker = stickers.Read(StickerPurpose.Resident, request!.Place);
                if (!sticker.IsValid)
                {
                    return Results.ValidationProblem(new Dictionary<string, string[]> { ["place"] = [sticker.Problem!] });
                }

                if (!ownership.Owns(sticker.Site!.Id))
                {
                    // Scale-out: the site's alerts live on the instance that owns it; a report made here would not be one of them.
                    return Results.Problem(statusCode: StatusCodes.Status421MisdirectedRequest, title: "Another instance serves this site",
                        detail: $"This hub instance does not own site '{sticker.Site.Id}' (Hub:Sites); send residents' reports to the instance that does.");
                }

                PhotoUpload? photo = null;
                if (form is not null)
                {
                    (photo, var refused) = await PhotoUploads.ReadAsync(http.Request, form, ct);
                    if (refused is not null)
                    {
                        return refused;
                    }
                }

                var result = await reports.SubmitAsync(sticker.Site!, sticker.Place!, request.Category, request.Text, request.Phone, photo, ct);
                switch (result.Outcome)
                {
                    case ResidentReportOutcome.Invalid:
                        return Results.ValidationProblem(new Dictionary<string, string[]> { [result.Field!] = [result.Problem!] });
                    case ResidentReportOutcome.TooManyForPlace:
                        http.Response.Headers.RetryAfter = ((int)Math.Ceiling(result.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                        return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many reports for this place", detail: result.Problem);
                }

                var url = $"{links.Root(http.Request)}{PlaceLinks.TrackingPath}{result.Tracking}";
                return Results.Created(url, new ResidentReportCreated(url));
            })
            .AllowAnonymous()
            .RequireRateLimiting(RateLimitPolicy)
            .WithTags("Field")
            .Accepts<ResidentReportRequest>("application/json", "multipart/form-data")
            .WithSummary("A resident reports a problem at a place (JSON {\"place\": sticker token, \"category\", \"text\", \"phone\"?}, or the same fields as a form with an optional 'photo'); answers 201 with the tracking URL.");

        app.MapGet(PlaceLinks.TrackingPath + "{tracking}", async (string tracking, HttpRequest http, ResidentReports reports, DeviceRegistry registry, IWebHostEnvironment environment, CancellationToken ct) =>
            {
                if (!http.Headers.Accept.ToString().Contains("application/json", StringComparison.OrdinalIgnoreCase))
                {
                    return FieldPages.Page(environment, "r/track.html");
                }

                return await reports.TrackAsync(tracking, registry, ct) is { } view
                    ? Results.Ok(view)
                    : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such report", detail: "This tracking link names no report.");
            })
            .AllowAnonymous()
            .RequireRateLimiting(ReadRateLimitPolicy)
            .WithTags("Field")
            .WithSummary("A resident follows their report: received, someone responding, someone on the way, on site, resolved (JSON with Accept: application/json, a page otherwise).");
        return app;
    }

    /// <summary>The report's fields from JSON, or from a form (which may also carry the photo).</summary>
    private static async Task<(ResidentReportRequest? Request, IFormCollection? Form, IResult? Refused)> ReadRequestAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.HasFormContentType)
        {
            var (form, refused) = await PhotoUploads.ReadFormAsync(request, ct);
            return form is null
                ? (null, null, refused)
                : (new ResidentReportRequest(form["place"].FirstOrDefault(), form["category"].FirstOrDefault(), form["text"].FirstOrDefault(), form["phone"].FirstOrDefault()), form, null);
        }

        if (!request.HasJsonContentType())
        {
            return (null, null, Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported body",
                detail: "Send the report as JSON, or as a form (multipart/form-data) when it carries a photo."));
        }

        try
        {
            return await request.ReadFromJsonAsync<ResidentReportRequest>(ct) is { } body
                ? (body, null, null)
                : (null, null, Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Empty report", detail: "The body names no place and no category."));
        }
        catch (System.Text.Json.JsonException)
        {
            return (null, null, Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unreadable report", detail: "The body is not the JSON of a report."));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, null, PhotoUploads.TooLarge(PhotoUploads.MaxTextRequestBytes));
        }
    }
}
