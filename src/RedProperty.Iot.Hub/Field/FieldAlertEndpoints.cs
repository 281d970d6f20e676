using System.Security.Claims;
using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.Staff;
using RedProperty.Iot.Hub.Storage;
using RedProperty.Iot.Hub.Views;

namespace RedProperty.Iot.Hub.Field;

/// <summary>What the field adds to an alert: the photo taken on site, and the residents' reports behind it.</summary>
public static class FieldAlertEndpoints
{
    public static IEndpointRouteBuilder MapFieldAlertEndpoints(this IEndpointRouteBuilder app)
    {
        var alerts = app.MapGroup("/api/alerts").WithTags("Field").RequireAuthorization();

        alerts.MapPost("/{id:guid}/photo", async (Guid id, HttpContext http, ClaimsPrincipal user, AlertStore store, AlertService service, FieldPhotos photos, CancellationToken ct) =>
            {
                if (PhotoUploads.LimitBody(http) is { } tooLarge)
                {
                    return tooLarge;
                }

                if (await store.GetAsync(id, ct) is not { } found)
                {
                    return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such alert",
                        detail: $"There is no alert {id} on this instance; with several instances, send the photo to the one that owns the alert's site.");
                }

                if (!user.CanSee(found.Alert.Site))
                {
                    return SiteAccess.NotYourSite(found.Alert.Site);
                }

                IFormCollection? form = null;
                if (http.Request.HasFormContentType)
                {
                    (form, var unreadable) = await PhotoUploads.ReadFormAsync(http.Request, ct);
                    if (unreadable is not null)
                    {
                        return unreadable;
                    }
                }
                else if (http.Request.ContentType?.StartsWith("image/", StringComparison.OrdinalIgnoreCase) != true)
                {
                    return Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Not a photo",
                        detail: "Send the photo as the body (Content-Type: image/jpeg, image/png or image/webp) or as the 'photo' field of a form.");
                }

                var (photo, refused) = await PhotoUploads.ReadAsync(http.Request, form, ct);
                if (refused is not null)
                {
                    return refused;
                }

                if (photo is null)
                {
                    return Results.ValidationProblem(new Dictionary<string, string[]> { [PhotoUploads.FormField] = ["required"] });
                }

                var url = await photos.SaveAsync(found.Alert.Site, id, AlertEvidence.Photo, photo.Upload, photo.Jpeg, ct);
                await service.AttachEvidenceAsync(id, AlertEvidence.Photo, url, ct);
                return Results.Ok(new { photoUrl = url });
            })
            .RequireAuthorization(StaffAuthentication.OperatorPolicy)
            .WithSummary("A photo from the scene (the body as image/jpeg, png or webp, or a form's 'photo' field): scaled, stripped of its metadata and kept as the alert's evidence; the same photo sent again changes nothing.");

        alerts.MapGet("/{id:guid}/resident-reports", async (Guid id, ClaimsPrincipal user, AlertStore store, ResidentReports reports, CancellationToken ct) =>
            {
                if (await store.GetAsync(id, ct) is not { } found)
                {
                    return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such alert", detail: $"There is no alert {id}.");
                }

                if (!user.CanSee(found.Alert.Site))
                {
                    return SiteAccess.NotYourSite(found.Alert.Site);
                }

                // The call-back number is for whoever goes: the alert's assigned worker sees it whole, everyone else masked.
                var assigned = found.Alert.AssignedTo is { } to && string.Equals(to, user.Identity!.Name, StringComparison.OrdinalIgnoreCase);
                return Results.Ok(await reports.OfAlertAsync(id, assigned, ct));
            })
            .WithSummary("The residents' reports merged into an alert, oldest first: when, what, their photo; the call-back number whole only for the alert's assigned worker.");
        return app;
    }
}
