using System.Security.Claims;
using RedProperty.Iot.Hub.Field;
using RedProperty.Iot.Hub.Staff;

namespace RedProperty.Iot.Hub.Api;

public sealed record CreateStaffRequest(string? Username, string? DisplayName, string? Password, string? Role, IReadOnlyList<string>? Sites);

/// <summary>A change to an account: fields left out (or null) stay as they are.</summary>
/// <param name="Zones">The zones (grids) the account looks after, each <c>site/zone</c>.</param>
/// <param name="Duty"><c>on</c>, <c>off</c>, or <c>roster</c> (as <c>Field:Roster</c> says).</param>
public sealed record ChangeStaffRequest(string? DisplayName, string? Role, IReadOnlyList<string>? Sites, bool? Disabled, IReadOnlyList<string>? Zones = null, string? Duty = null);

public sealed record SetPasswordRequest(string? Password);

/// <summary>An account as a supervisor sees it; <c>self</c> marks the caller's own (its role, sites and access are not the caller's to change).</summary>
public sealed record StaffAccountView(
    string Username,
    string DisplayName,
    string Role,
    IReadOnlyList<string> Sites,
    bool Disabled,
    DateTimeOffset CreatedAt,
    DateTimeOffset? ChangedAt,
    DateTimeOffset? LastLoginAt,
    bool Self,
    IReadOnlyList<string>? Zones = null,
    string? Duty = null);

public sealed record StaffAuditView(DateTimeOffset At, string Actor, string Action, string Detail);

/// <summary>
/// Account management for supervisors (<c>/api/staff</c>): within their own sites and role, never their own
/// privileges, never the last enabled supervisor of all sites. Every change is audited and ends the
/// account's sessions (tokens, cookies, desk connections) when it touches password, role, sites or access.
/// </summary>
public static class StaffEndpoints
{
    public static IEndpointRouteBuilder MapStaffEndpoints(this IEndpointRouteBuilder app)
    {
        var staff = app.MapGroup("/api/staff").WithTags("Staff").RequireAuthorization(StaffAuthentication.SupervisorPolicy);

        staff.MapGet(string.Empty, async (StaffDirectory directory, ClaimsPrincipal user, CancellationToken ct) =>
                (await directory.ListAsync(ct)).Where(a => user.CanManage(a) || user.IsSelf(a)).Select(a => View(a, user)))
            .WithSummary("The accounts the caller may manage (all their sites within the caller's), and its own.");

        staff.MapPost(string.Empty, async (CreateStaffRequest request, StaffDirectory directory, DeviceRegistry registry, ClaimsPrincipal user, HttpContext http, CancellationToken ct) =>
        {
            var problems = new Dictionary<string, string[]>();
            if (string.IsNullOrWhiteSpace(request.Username) || request.Username.Length > 64 || request.Username.Any(char.IsControl) || request.Username.Trim() != request.Username)
            {
                problems["username"] = ["1-64 characters, no control characters, no spaces around"];
            }

            if (NameProblem(request.DisplayName) is { } nameProblem)
            {
                problems["displayName"] = [nameProblem];
            }

            if (AuthEndpoints.PasswordProblem(request.Password) is { } passwordProblem)
            {
                problems["password"] = [passwordProblem];
            }

            if (!StaffClaims.TryParseRole(request.Role, out var role))
            {
                problems["role"] = ["viewer, operator or supervisor"];
            }

            if (StaffGrants.CheckSites(request.Sites, registry, out var sites) is { } sitesProblem)
            {
                problems["sites"] = [sitesProblem];
            }

            if (problems.Count > 0)
            {
                return Results.ValidationProblem(problems);
            }

            if (GrantProblem(user, role, sites) is { } refused)
            {
                return refused;
            }

            var displayName = string.IsNullOrWhiteSpace(request.DisplayName) ? request.Username! : request.DisplayName;
            var account = await directory.CreateAsync(request.Username!, displayName, request.Password!, role, sites, user.Identity!.Name!, ct);
            if (account is null)
            {
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "User name taken", detail: $"'{request.Username}' already has an account.");
            }

            StaffAudit.Log(http, [new StaffAuditEntry(account.CreatedAt, user.Identity.Name!, account.Username, "created", $"{role.ToWire()} of {string.Join(',', sites)}")]);
            return Results.Created($"/api/staff/{Uri.EscapeDataString(account.Username)}", View(account, user));
        }).WithSummary("Creates a staff account: a role up to the caller's, sites the caller has (\"*\" only by an all-sites supervisor).");

        staff.MapGet("/{username}", async (string username, StaffDirectory directory, ClaimsPrincipal user, CancellationToken ct) =>
            await directory.FindAsync(username, ct) is not { } account ? NotFound(username)
            : user.CanManage(account) || user.IsSelf(account) ? Results.Ok(View(account, user))
            : OutsideYourSites(username)).WithSummary("One account.");

        staff.MapPatch("/{username}", async (
            string username, ChangeStaffRequest request, StaffDirectory directory, StaffSessions sessions, DeviceRegistry registry, GridDispatcher dispatcher,
            ClaimsPrincipal user, HttpContext http, CancellationToken ct) =>
        {
            var problems = new Dictionary<string, string[]>();
            StaffRole? role = null;
            IReadOnlyList<string>? sites = null;
            if (request.DisplayName is not null && NameProblem(request.DisplayName) is { } nameProblem)
            {
                problems["displayName"] = [nameProblem];
            }

            if (request.Role is not null)
            {
                if (StaffClaims.TryParseRole(request.Role, out var parsed))
                {
                    role = parsed;
                }
                else
                {
                    problems["role"] = ["viewer, operator or supervisor"];
                }
            }

            if (request.Sites is not null)
            {
                if (StaffGrants.CheckSites(request.Sites, registry, out var checkedSites) is { } sitesProblem)
                {
                    problems["sites"] = [sitesProblem];
                }
                else
                {
                    sites = checkedSites;
                }
            }

            IReadOnlyList<ZoneRef>? zones = null;
            if (request.Zones is not null)
            {
                var parsed = new List<ZoneRef>();
                foreach (var text in request.Zones)
                {
                    if (!ZoneRef.TryParse(text, out var zone) || !registry.SitesById.TryGetValue(zone.Site, out var zoneSite) || !zoneSite.Zones.ContainsKey(zone.Zone))
                    {
                        problems["zones"] = [$"'{text}' is not site/zone of a zone in the registry"];
                        break;
                    }

                    if (!user.CanSee(zone.Site))
                    {
                        problems["zones"] = [$"'{text}' is in a site your account does not cover"];
                        break;
                    }

                    parsed.Add(zone);
                }

                zones = parsed.Distinct().ToArray();
            }

            StaffDuty? duty = null;
            if (request.Duty is not null)
            {
                if (DispatchEndpoints.TryParseDuty(request.Duty, out var parsedDuty))
                {
                    duty = parsedDuty;
                }
                else
                {
                    problems["duty"] = ["on, off or roster"];
                }
            }

            if (problems.Count > 0)
            {
                return Results.ValidationProblem(problems);
            }

            if (GrantProblem(user, role, sites) is { } refused)
            {
                return refused;
            }

            var privileged = role is not null || sites is not null || request.Disabled is not null;
            var result = await directory.ChangeAsync(
                username,
                new StaffChange(request.DisplayName, role, sites, request.Disabled, Zones: zones, Duty: duty),
                user.Identity!.Name!,
                current => user.IsSelf(current)
                    ? privileged ? "Your own role, sites and access are changed by another supervisor." : null
                    : user.CanManage(current) ? null : $"'{current.Username}' has sites or a role beyond yours.",
                ct);
            // The next alert is dispatched with the change.
            await dispatcher.RefreshAsync(ct);
            return Answer(result, username, sessions, user, http);
        }).WithSummary("Changes an account's display name, role, sites, access (disabled), zones (site/zone) or duty (on, off, roster).");

        staff.MapPost("/{username}/password", async (string username, SetPasswordRequest request, StaffDirectory directory, StaffSessions sessions, ClaimsPrincipal user, HttpContext http, CancellationToken ct) =>
        {
            if (AuthEndpoints.PasswordProblem(request.Password) is { } problem)
            {
                return Results.ValidationProblem(new Dictionary<string, string[]> { ["password"] = [problem] });
            }

            var result = await directory.ChangeAsync(
                username,
                new StaffChange(NewPassword: request.Password),
                user.Identity!.Name!,
                current => user.IsSelf(current)
                    ? "Change your own password with POST /api/auth/password and your current password."
                    : user.CanManage(current) ? null : $"'{current.Username}' has sites or a role beyond yours.",
                ct);
            var answer = Answer(result, username, sessions, user, http);
            return result.Status == StaffChangeStatus.Changed ? Results.NoContent() : answer;
        }).WithSummary("Sets a new password for an account the caller manages (its sessions end).");

        staff.MapGet("/{username}/audit", async (string username, StaffDirectory directory, ClaimsPrincipal user, CancellationToken ct) =>
        {
            if (await directory.FindAsync(username, ct) is not { } account)
            {
                return NotFound(username);
            }

            return user.CanManage(account) || user.IsSelf(account)
                ? Results.Ok((await directory.AuditTrailAsync(account.Username, cancellationToken: ct)).Select(e => new StaffAuditView(e.At, e.Actor, e.Action, e.Detail)))
                : OutsideYourSites(username);
        }).WithSummary("Who changed what on an account, oldest first (the newest 500).");

        return app;
    }

    private static IResult Answer(StaffChangeResult result, string username, StaffSessions sessions, ClaimsPrincipal user, HttpContext http)
    {
        switch (result.Status)
        {
            case StaffChangeStatus.NotFound:
                return NotFound(username);
            case StaffChangeStatus.Refused:
                return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not yours to change", detail: result.Reason);
            case StaffChangeStatus.LastAllSitesSupervisor:
                return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Last supervisor of all sites", detail: $"'{username}' is the last enabled supervisor of all sites: {result.Reason}.");
        }

        if (result.EndsSessions)
        {
            sessions.Changed(result.Account!.Username);
        }

        StaffAudit.Log(http, result.Changes);
        return Results.Ok(View(result.Account!, user));
    }

    /// <summary>Nobody grants a role above their own or sites they do not have.</summary>
    private static IResult? GrantProblem(ClaimsPrincipal user, StaffRole? role, IReadOnlyList<string>? sites)
    {
        if (role is { } r && !user.CanGrant(r))
        {
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Role beyond yours", detail: $"You may grant roles up to your own, not {r.ToWire()}.");
        }

        if (sites is not null && !user.HasSites(sites))
        {
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Sites beyond yours", detail: $"You may grant only sites you have yourself, not {string.Join(", ", sites)}.");
        }

        return null;
    }

    private static string? NameProblem(string? displayName) =>
        displayName is { } name && (name.Length > 64 || name.Any(char.IsControl)) ? "at most 64 characters, no control characters" : null;

    private static IResult NotFound(string username) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such account", detail: $"There is no account '{username}'.");

    private static IResult OutsideYourSites(string username) =>
        Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not yours to manage", detail: $"'{username}' has sites or a role beyond yours.");

    private static StaffAccountView View(StaffAccount account, ClaimsPrincipal user) => new(
        account.Username,
        account.DisplayName,
        account.Role.ToWire(),
        account.Sites,
        account.Disabled,
        account.CreatedAt,
        account.ChangedAt,
        account.LastLoginAt,
        user.IsSelf(account),
        [.. account.Zones.Select(z => z.ToString())],
        DispatchEndpoints.DutyText(account.OnDuty));
}
