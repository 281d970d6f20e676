using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Staff;

namespace RedProperty.Iot.Hub.Api;

public sealed record LoginRequest(string? Username, string? Password);

public sealed record TokenResponse(string AccessToken, DateTimeOffset ExpiresAt);

public sealed record StaffView(string Username, string DisplayName, string Role, IReadOnlyList<string> Sites);

public sealed record ChangeOwnPasswordRequest(string? CurrentPassword, string? NewPassword);

/// <summary>Staff logins: bearer tokens for API and SignalR clients, a cookie for the desk screen.</summary>
public static class AuthEndpoints
{
    public const int MinPasswordLength = 10;
    public const int MaxPasswordLength = 1024;

    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Staff");

        auth.MapPost("/token", async (LoginRequest request, StaffLogins logins, IOptionsMonitor<BearerTokenOptions> bearer, TimeProvider time, HttpContext http, CancellationToken ct) =>
        {
            var outcome = await logins.CheckAsync(request.Username, request.Password, ClientAddress.Of(http), ct);
            if (outcome.Account is not { } account)
            {
                return Refused(outcome, http);
            }

            var options = bearer.Get(BearerTokenDefaults.AuthenticationScheme);
            var expiresAt = time.GetUtcNow() + options.BearerTokenExpiration;
            var ticket = new AuthenticationTicket(
                StaffClaims.Principal(account, BearerTokenDefaults.AuthenticationScheme),
                new AuthenticationProperties { ExpiresUtc = expiresAt, IssuedUtc = time.GetUtcNow() },
                BearerTokenDefaults.AuthenticationScheme);
            return Results.Ok(new TokenResponse(options.BearerTokenProtector.Protect(ticket), expiresAt));
        })
            .ChecksPassword()
            .WithSummary("Exchanges a staff user name and password for a bearer token (API and SignalR clients).")
            .WithDescription("401 for an unknown name, a wrong password or a disabled account alike; 429 with Retry-After after repeated wrong passwords; 503 with Retry-After when too many logins are being checked at once.");

        auth.MapPost("/login", async (LoginRequest request, StaffLogins logins, HttpContext http, CancellationToken ct) =>
        {
            var outcome = await logins.CheckAsync(request.Username, request.Password, ClientAddress.Of(http), ct);
            if (outcome.Account is not { } account)
            {
                return Refused(outcome, http);
            }

            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, StaffClaims.Principal(account, CookieAuthenticationDefaults.AuthenticationScheme));
            return Results.Ok(View(account));
        })
            .ChecksPassword()
            .WithSummary("Signs in with a cookie (the desk screen); answers like POST /api/auth/token.");

        auth.MapPost("/logout", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.NoContent();
        }).WithSummary("Signs out of the cookie session.");

        auth.MapGet("/me", (HttpContext http) => Results.Ok(new StaffView(
                http.User.Identity!.Name!,
                http.User.FindFirst("name")?.Value ?? http.User.Identity.Name!,
                http.User.FindFirst(ClaimTypes.Role)?.Value ?? string.Empty,
                http.User.FindAll(StaffClaims.Site).Select(c => c.Value).ToArray())))
            .RequireAuthorization()
            .WithSummary("Who is signed in.");

        auth.MapPost("/password", async (ChangeOwnPasswordRequest request, StaffLogins logins, StaffDirectory staff, StaffSessions sessions, HttpContext http, CancellationToken ct) =>
        {
            var username = http.User.Identity!.Name!;
            if (PasswordProblem(request.NewPassword) is { } problem)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["newPassword"] = [problem] });
            }

            var outcome = await logins.CheckAsync(username, request.CurrentPassword, ClientAddress.Of(http), ct);
            switch (outcome.Status)
            {
                case LoginStatus.Throttled:
                    return LoginProblems.TooManyAttempts(http, outcome.RetryAfter);
                case LoginStatus.Busy:
                    return LoginProblems.Busy(http);
                case LoginStatus.Refused:
                    return Results.ValidationProblem(new Dictionary<string, string[]> { ["currentPassword"] = ["not the current password"] });
            }

            var result = await staff.ChangeAsync(username, new StaffChange(NewPassword: request.NewPassword), username, _ => null, ct);
            if (result is not { Status: StaffChangeStatus.Changed, Account: { } account })
            {
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Password not changed", detail: result.Reason);
            }

            sessions.Changed(username);
            StaffAudit.Log(http, result.Changes);
            // Every other session of the account ends; this browser stays signed in with the new stamp.
            if (http.User.Identity.AuthenticationType == CookieAuthenticationDefaults.AuthenticationScheme)
            {
                await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, StaffClaims.Principal(account, CookieAuthenticationDefaults.AuthenticationScheme));
            }

            return Results.NoContent();
        })
            .RequireAuthorization()
            .ChecksPassword()
            .WithSummary("Changes the signed-in user's own password, given the current one.")
            .WithDescription("Ends every other session of the account (bearer clients get a new token); a cookie session that asked stays signed in.");

        return app;
    }

    /// <summary>Why a new password is not acceptable, or null.</summary>
    public static string? PasswordProblem(string? password) =>
        string.IsNullOrEmpty(password) || password.Length < MinPasswordLength || password.Length > MaxPasswordLength
            ? $"{MinPasswordLength} to {MaxPasswordLength} characters"
            : null;

    public static StaffView View(StaffAccount account) => new(account.Username, account.DisplayName, account.Role.ToWire(), account.Sites);

    private static IResult Refused(LoginOutcome outcome, HttpContext http) => outcome.Status switch
    {
        LoginStatus.Throttled => LoginProblems.TooManyAttempts(http, outcome.RetryAfter),
        LoginStatus.Busy => LoginProblems.Busy(http),
        _ => LoginProblems.Refused(),
    };
}
