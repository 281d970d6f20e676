using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Staff;

namespace RedProperty.Iot.Hub.Api;

public sealed record LoginRequest(string? Username, string? Password);

public sealed record TokenResponse(string AccessToken, DateTimeOffset ExpiresAt);

public sealed record StaffView(string Username, string DisplayName, string Role, IReadOnlyList<string> Sites);

public sealed record CreateStaffRequest(string? Username, string? DisplayName, string? Password, string? Role, IReadOnlyList<string>? Sites);

/// <summary>Staff logins: bearer tokens for API and SignalR clients, a cookie for the desk screen.</summary>
public static class AuthEndpoints
{
    public static IEndpointRouteBuilder MapAuthEndpoints(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Staff");

        auth.MapPost("/token", async (LoginRequest request, StaffDirectory staff, IOptionsMonitor<BearerTokenOptions> bearer, TimeProvider time, CancellationToken ct) =>
        {
            var (result, account) = await CheckAsync(request, staff, ct);
            if (account is null)
            {
                return Refused(result);
            }

            var options = bearer.Get(BearerTokenDefaults.AuthenticationScheme);
            var expiresAt = time.GetUtcNow() + options.BearerTokenExpiration;
            var ticket = new AuthenticationTicket(
                StaffClaims.Principal(account, BearerTokenDefaults.AuthenticationScheme),
                new AuthenticationProperties { ExpiresUtc = expiresAt, IssuedUtc = time.GetUtcNow() },
                BearerTokenDefaults.AuthenticationScheme);
            return Results.Ok(new TokenResponse(options.BearerTokenProtector.Protect(ticket), expiresAt));
        }).WithSummary("Exchanges a staff user name and password for a bearer token (API and SignalR clients).");

        auth.MapPost("/login", async (LoginRequest request, StaffDirectory staff, HttpContext http, CancellationToken ct) =>
        {
            var (result, account) = await CheckAsync(request, staff, ct);
            if (account is null)
            {
                return Refused(result);
            }

            await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, StaffClaims.Principal(account, CookieAuthenticationDefaults.AuthenticationScheme));
            return Results.Ok(View(account));
        }).WithSummary("Signs in with a cookie (the desk screen).");

        auth.MapPost("/logout", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.NoContent();
        }).WithSummary("Signs out of the cookie session.");

        auth.MapGet("/me", (HttpContext http) => Results.Ok(new StaffView(
                http.User.Identity!.Name!,
                http.User.FindFirst("name")?.Value ?? http.User.Identity.Name!,
                http.User.FindFirst(System.Security.Claims.ClaimTypes.Role)?.Value ?? string.Empty,
                http.User.FindAll(StaffClaims.Site).Select(c => c.Value).ToArray())))
            .RequireAuthorization()
            .WithSummary("Who is signed in.");

        app.MapPost("/api/staff", async (CreateStaffRequest request, StaffDirectory staff, CancellationToken ct) =>
        {
            var problems = new Dictionary<string, string[]>();
            if (string.IsNullOrWhiteSpace(request.Username) || request.Username.Length > 64 || request.Username.Any(char.IsControl))
            {
                problems["username"] = ["1-64 characters, no control characters"];
            }

            if (string.IsNullOrEmpty(request.Password) || request.Password.Length < 10)
            {
                problems["password"] = ["at least 10 characters"];
            }

            if (!StaffClaims.TryParseRole(request.Role, out var role))
            {
                problems["role"] = ["viewer, operator or supervisor"];
            }

            if (request.Sites is not { Count: > 0 })
            {
                problems["sites"] = ["at least one site id, or \"*\" for all"];
            }

            if (problems.Count > 0)
            {
                return Results.ValidationProblem(problems);
            }

            var created = await staff.CreateAsync(request.Username!, request.DisplayName ?? request.Username!, request.Password!, role, request.Sites!, ct);
            return created
                ? Results.Created($"/api/staff/{request.Username}", new StaffView(request.Username!, request.DisplayName ?? request.Username!, role.ToWire(), request.Sites!))
                : Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "User name taken", detail: $"'{request.Username}' already has an account.");
        }).RequireAuthorization(StaffAuthentication.SupervisorPolicy).WithTags("Staff").WithSummary("Creates a staff account (supervisors only).");

        return app;
    }

    private static async Task<(LoginResult Result, StaffAccount? Account)> CheckAsync(LoginRequest request, StaffDirectory staff, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(request.Username) || string.IsNullOrEmpty(request.Password))
        {
            return (LoginResult.Invalid, null);
        }

        return await staff.VerifyAsync(request.Username, request.Password, ct);
    }

    private static IResult Refused(LoginResult result) =>
        result == LoginResult.LockedOut
            ? Results.Problem(statusCode: StatusCodes.Status423Locked, title: "Account locked", detail: $"Too many wrong passwords; try again in {StaffDirectory.LockoutDuration.TotalMinutes:0} minutes or ask a supervisor.")
            : Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Login refused", detail: "Wrong user name or password.");

    private static StaffView View(StaffAccount account) => new(account.Username, account.DisplayName, account.Role.ToWire(), account.Sites);
}
