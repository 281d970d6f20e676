namespace RedProperty.Iot.Hub.Staff;

/// <summary>The one answer to a request about a site the signed-in account does not cover.</summary>
public static class SiteAccess
{
    public static IResult NotYourSite(string site) =>
        Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not your site", detail: $"Your account does not cover site '{site}'.");
}
