using System.Globalization;

namespace RedProperty.Iot.Hub.Staff;

/// <summary>
/// The answers to a login that did not succeed. Unknown user name, wrong password and disabled account get
/// the same 401; a throttled attempt gets 429 whether or not the name exists; 503 when too many logins are
/// being checked at once. Both of the latter say when to try again (Retry-After).
/// </summary>
public static class LoginProblems
{
    public static IResult Refused() =>
        Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Login refused", detail: "Wrong user name or password.");

    public static IResult TooManyAttempts(HttpContext http, TimeSpan wait)
    {
        var seconds = RetryAfter(http, wait);
        return Results.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many login attempts",
            detail: $"Wait {seconds} s before trying again.",
            extensions: new Dictionary<string, object?> { ["retryAfter"] = seconds });
    }

    public static IResult Busy(HttpContext http)
    {
        var seconds = RetryAfter(http, TimeSpan.FromSeconds(1));
        return Results.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Too many logins at once",
            detail: "The hub is checking many logins at the same moment; try again shortly.",
            extensions: new Dictionary<string, object?> { ["retryAfter"] = seconds });
    }

    private static long RetryAfter(HttpContext http, TimeSpan wait)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return seconds;
    }
}
