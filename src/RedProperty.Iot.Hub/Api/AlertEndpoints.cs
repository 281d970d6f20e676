using System.Security.Claims;
using System.Text.Json;
using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.Centre;
using RedProperty.Iot.Hub.Desk;
using RedProperty.Iot.Hub.Field;
using RedProperty.Iot.Hub.Staff;
using RedProperty.Iot.Hub.Storage;

namespace RedProperty.Iot.Hub.Api;

public sealed record AlertActionRequest(string? Note);

/// <summary>A reassignment: <see cref="To"/> is the username of the member of staff who takes the alert.</summary>
public sealed record AlertAssignRequest(string? To);

/// <summary>An arrival: <see cref="Place"/> is the token of the sticker's link, or the desk confirms with <see cref="Reason"/>.</summary>
public sealed record AlertArrivalRequest(string? Place, string? Reason);

/// <summary>REST for alerts: list with filters and paging, one with its audit trail, acknowledge, the field steps (on the way, arrived), resolve.</summary>
public static class AlertEndpoints
{
    private static readonly JsonSerializerOptions WebJson = new(JsonSerializerDefaults.Web);

    /// <summary>How long an action at the centre on an edge's alert waits for the edge's answer before it is reported pending.</summary>
    private static readonly TimeSpan EdgeAnswerWithin = TimeSpan.FromSeconds(5);

    public static IEndpointRouteBuilder MapAlertEndpoints(this IEndpointRouteBuilder app)
    {
        var alerts = app.MapGroup("/api/alerts").WithTags("Alerts").RequireAuthorization();

        alerts.MapGet("/", async (
            ClaimsPrincipal user, AlertStore store, DeviceRegistry registry, AlertService service, IServiceProvider services,
            string? state, string? site, string? zone, string? type, string? severity, DateTimeOffset? from, DateTimeOffset? to, int? offset, int? limit,
            CancellationToken ct) =>
        {
            var problems = new Dictionary<string, string[]>();
            AlertState? parsedState = null;
            var openOnly = false;
            if (state == "open")
            {
                openOnly = true;
            }
            else if (state is not null)
            {
                if (AlertCatalogue.TryParse(state, out AlertState s)) parsedState = s;
                else problems["state"] = ["active, acknowledged, resolved or open"];
            }

            AlertType? parsedType = null;
            if (type is not null)
            {
                if (AlertCatalogue.TryParse(type, out AlertType t)) parsedType = t;
                else problems["type"] = [$"one of {string.Join(", ", AlertCatalogue.All.Select(a => a.ToWire()))}"];
            }

            AlertSeverity? parsedSeverity = null;
            if (severity is not null)
            {
                if (AlertCatalogue.TryParse(severity, out AlertSeverity v)) parsedSeverity = v;
                else problems["severity"] = ["minor, major or critical"];
            }

            if (limit is < 1 or > 1000)
            {
                problems["limit"] = ["1 to 1000"];
            }

            if (offset is < 0)
            {
                problems["offset"] = ["0 or more"];
            }

            if (problems.Count > 0)
            {
                return Results.ValidationProblem(problems);
            }

            if (site is not null && !user.CanSee(site))
            {
                return SiteAccess.NotYourSite(site);
            }

            var sites = site is not null ? [site] : registry.Sites.Select(s => s.Id).Where(user.CanSee).ToArray();
            var query = new AlertQuery(sites, parsedState, openOnly, zone, parsedType, parsedSeverity, from, to, offset ?? 0, limit ?? 100);
            var found = await store.QueryAsync(query, ct);
            if (services.GetService<EdgeStore>() is not { } edges)
            {
                return Results.Ok(found.Select(a => service.ViewOf(a.Alert, a.Seq)));
            }

            // A centre: its own alerts and the edges' (as their edges showed them), newest first, one page of both.
            var own = await store.QueryAsync(query with { Offset = 0, Limit = query.Offset + query.Limit }, ct);
            var ofEdges = await edges.QueryAsync(query, ct);
            return Results.Ok(own.Select(a => (a.Alert.RaisedAt, View: JsonSerializer.SerializeToElement(service.ViewOf(a.Alert, a.Seq), WebJson)))
                .Concat(ofEdges)
                .OrderByDescending(a => a.RaisedAt)
                .Skip(query.Offset)
                .Take(query.Limit)
                .Select(a => a.View));
        }).WithSummary("Alerts, newest first; filter by state (or open), site, zone, type, severity, raised time range; offset/limit paging.");

        alerts.MapGet("/{id:guid}", async (Guid id, ClaimsPrincipal user, AlertStore store, AlertService service, DeviceRegistry registry, IServiceProvider services, CancellationToken ct) =>
        {
            var local = await store.GetAsync(id, ct);
            if (local is null && services.GetService<EdgeStore>() is { } edges && await edges.GetAsync(id, ct) is var (edgeSite, edgeDetail))
            {
                // A centre: an alert its edge owns, as the edge last showed it.
                return user.CanSee(edgeSite) ? Results.Ok(edgeDetail) : SiteAccess.NotYourSite(edgeSite);
            }

            if (local is not { } found)
            {
                // Scale-out: another instance may own it.
                return services.GetService<AlertCommandBus>() is { } bus
                    ? Forwarded(await bus.SendAsync("get", id, user.Identity!.Name!, null, VisibleSites(user, registry), ct), id)
                    : NotFound(id);
            }

            return user.CanSee(found.Alert.Site) ? Results.Ok(service.DetailOf(found.Alert, found.Seq)) : SiteAccess.NotYourSite(found.Alert.Site);
        }).WithSummary("One alert with its resolution note and audit trail.");

        alerts.MapPost("/{id:guid}/ack", (Guid id, AlertActionRequest? request, ClaimsPrincipal user, AlertStore store, AlertService service, DeviceRegistry registry, IServiceProvider services, CancellationToken ct) =>
                ActAsync(id, user, store, services, ct, ("ack", request?.Note), () => service.AcknowledgeAsync(id, user.Identity!.Name!, request?.Note, ct),
                    services.GetService<AlertCommandBus>() is { } bus ? () => bus.SendAsync("ack", id, user.Identity!.Name!, request?.Note, VisibleSites(user, registry), ct) : null))
            .RequireAuthorization(StaffAuthentication.OperatorPolicy)
            .WithSummary("Acknowledges an active alert in the name of the signed-in operator.");

        alerts.MapPost("/{id:guid}/on-the-way", (Guid id, ClaimsPrincipal user, AlertStore store, AlertService service, DeviceRegistry registry, IServiceProvider services, CancellationToken ct) =>
                ActAsync(id, user, store, services, ct, ("on-the-way", null), () => service.SetOutAsync(id, user.Identity!.Name!, ct),
                    services.GetService<AlertCommandBus>() is { } bus ? () => bus.SendAsync("on-the-way", id, user.Identity!.Name!, null, VisibleSites(user, registry), ct) : null))
            .RequireAuthorization(StaffAuthentication.OperatorPolicy)
            .WithSummary("The signed-in worker sets out for the scene (acknowledges the alert too if nobody has); the same worker again changes nothing.");

        alerts.MapPost("/{id:guid}/arrive", (
                Guid id, AlertArrivalRequest? request, ClaimsPrincipal user, AlertStore store, AlertService service, PlaceStickers stickers, DeviceRegistry registry,
                IServiceProvider services, CancellationToken ct) =>
            {
                var by = user.Identity!.Name!;
                var bus = services.GetService<AlertCommandBus>();
                if (string.IsNullOrWhiteSpace(request?.Place))
                {
                    return ActAsync(id, user, store, services, ct, ("arrive", request?.Reason), () => service.ConfirmArrivalAsync(id, by, request?.Reason, ct),
                        bus is not null ? () => bus.SendAsync("arrive", id, by, request?.Reason, VisibleSites(user, registry), ct) : null,
                        noteField: "reason");
                }

                if (!string.IsNullOrWhiteSpace(request.Reason))
                {
                    return Task.FromResult(Results.ValidationProblem(new Dictionary<string, string[]> { ["place"] = ["give the sticker's place or the desk's reason, not both"] }));
                }

                var sticker = stickers.Read(StickerPurpose.Arrival, request.Place);
                if (!sticker.IsValid)
                {
                    return Task.FromResult(Results.ValidationProblem(new Dictionary<string, string[]> { ["place"] = [sticker.Problem!] }));
                }

                return ActAsync(id, user, store, services, ct, ("arrive-sticker", request.Place), () => service.ArriveAtAsync(id, by, sticker.Site!.Id, sticker.Place!, ct),
                    bus is not null ? () => bus.SendAsync("arrive-sticker", id, by, request.Place, VisibleSites(user, registry), ct) : null,
                    noteField: "place");
            })
            .RequireAuthorization(StaffAuthentication.OperatorPolicy)
            .WithSummary("Someone is on site: a worker with the token of the place's sticker (body {\"place\": \"<token>\"}; another place's sticker is refused), or the desk with a reason ({\"reason\": \"...\"}); once per activation.");

        alerts.MapPost("/{id:guid}/assign", async (
                Guid id, AlertAssignRequest? request, ClaimsPrincipal user, AlertStore store, AlertService service, GridDispatcher dispatcher, DeviceRegistry registry,
                IServiceProvider services, CancellationToken ct) =>
            {
                if (string.IsNullOrWhiteSpace(request?.To))
                {
                    return Results.ValidationProblem(new Dictionary<string, string[]> { ["to"] = ["required: the username of who takes the alert"] });
                }

                var by = user.Identity!.Name!;
                var to = request.To.Trim();
                if (await store.GetAsync(id, ct) is { } local && user.CanSee(local.Alert.Site))
                {
                    if (dispatcher.WorkerOf(to, local.Alert.Site) is not { } worker)
                    {
                        return Results.ValidationProblem(new Dictionary<string, string[]> { ["to"] = [$"'{to}' is not an enabled operator or supervisor of site '{local.Alert.Site}'"] });
                    }

                    to = worker.Username;
                }

                return await ActAsync(id, user, store, services, ct, ("assign", to), () => service.AssignAsync(id, to, by, ct),
                    services.GetService<AlertCommandBus>() is { } bus ? () => bus.SendAsync("assign", id, by, to, VisibleSites(user, registry), ct) : null,
                    noteField: "to");
            })
            .RequireAuthorization(StaffAuthentication.OperatorPolicy)
            .WithSummary("The desk hands the alert to another member of staff who may act on its site (body {\"to\": \"username\"}).");

        alerts.MapPost("/{id:guid}/resolve", (Guid id, AlertActionRequest? request, ClaimsPrincipal user, AlertStore store, AlertService service, DeviceRegistry registry, IServiceProvider services, CancellationToken ct) =>
                ActAsync(id, user, store, services, ct, ("resolve", request?.Note), () => service.ResolveAsync(id, user.Identity!.Name!, request?.Note, ct),
                    services.GetService<AlertCommandBus>() is { } bus ? () => bus.SendAsync("resolve", id, user.Identity!.Name!, request?.Note, VisibleSites(user, registry), ct) : null))
            .RequireAuthorization(StaffAuthentication.OperatorPolicy)
            .WithSummary("Resolves an alert; a note saying what was done is required.");

        return app;
    }

    /// <param name="named">The action by name and its note, as it goes down to an edge when the alert is an edge's (at a centre).</param>
    /// <param name="noteField">The request's field a missing note is reported under.</param>
    private static async Task<IResult> ActAsync(
        Guid id, ClaimsPrincipal user, AlertStore store, IServiceProvider services, CancellationToken ct, (string Action, string? Note) named,
        Func<Task<AlertActionResult>> action, Func<Task<AlertCommandReply?>>? forward, string noteField = "note")
    {
        if (await store.GetAsync(id, ct) is not { } found)
        {
            if (services.GetService<EdgeStore>() is { } edges && await edges.GetAsync(id, ct) is var (edgeSite, _))
            {
                // A centre shows the edges' alerts; the edge that owns one carries the action out.
                return user.CanSee(edgeSite)
                    ? await SendDownAsync(id, edgeSite, user, named, noteField, edges, services.GetRequiredService<EdgeCommands>(), ct)
                    : SiteAccess.NotYourSite(edgeSite);
            }

            return forward is null ? NotFound(id) : Forwarded(await forward(), id, noteField);
        }

        if (!user.CanSee(found.Alert.Site))
        {
            return SiteAccess.NotYourSite(found.Alert.Site);
        }

        var result = await action();
        return result.Outcome switch
        {
            AlertActionOutcome.Done => Results.Ok(result.Alert),
            AlertActionOutcome.NotFound => NotFound(id),
            AlertActionOutcome.NoteRequired => Results.ValidationProblem(new Dictionary<string, string[]> { [noteField] = [result.Problem ?? "required"] }),
            _ => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not possible in the alert's state", detail: result.Problem),
        };
    }

    /// <summary>
    /// An action at the centre on an edge's alert: sent down as a command; answered as the edge answers when it does
    /// so within <see cref="EdgeAnswerWithin"/>, otherwise 202 with the pending command (the desks show it pending).
    /// </summary>
    private static async Task<IResult> SendDownAsync(
        Guid id, string site, ClaimsPrincipal user, (string Action, string? Note) named, string noteField, EdgeStore edges, EdgeCommands commands, CancellationToken ct)
    {
        if (named.Action == "resolve" && string.IsNullOrWhiteSpace(named.Note))
        {
            // Checked here too, so the desk is told now rather than by the edge, perhaps hours later.
            return Results.ValidationProblem(new Dictionary<string, string[]> { [noteField] = ["required: what was done"] });
        }

        var pending = await commands.SubmitAsync(user, named.Action, id, site, named.Note, ct);
        if (await commands.AnswerAsync(pending.Id, EdgeAnswerWithin, ct) is not { } answer)
        {
            var shown = await edges.GetAsync(id, ct);
            return Results.Accepted($"/api/alerts/{id}", new { command = pending, alert = shown?.Detail.GetProperty("alert") });
        }

        var problem = answer.Command.Problem;
        return answer.Command.Outcome switch
        {
            Uplink.CentreCommandReply.Done => Results.Ok((await edges.GetAsync(id, ct))?.Detail.GetProperty("alert")),
            Uplink.CentreCommandReply.Forbidden => Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Refused by the edge", detail: problem),
            nameof(AlertActionOutcome.NotFound) => NotFound(id),
            nameof(AlertActionOutcome.NoteRequired) => Results.ValidationProblem(new Dictionary<string, string[]> { [noteField] = [problem ?? "required"] }),
            _ => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not possible in the alert's state", detail: problem),
        };
    }

    private static string[] VisibleSites(ClaimsPrincipal user, DeviceRegistry registry) => registry.Sites.Select(s => s.Id).Where(user.CanSee).ToArray();

    /// <summary>The answer of the instance that owns the alert, as if it were local.</summary>
    private static IResult Forwarded(AlertCommandReply? reply, Guid id, string noteField = "note") => reply?.Outcome switch
    {
        null => NotFound(id),
        "Forbidden" => Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not your site", detail: $"Your account does not cover {reply.Problem}."),
        "Done" => reply.Detail is not null ? Results.Ok(reply.Detail) : Results.Ok(reply.Alert),
        nameof(AlertActionOutcome.NotFound) => NotFound(id),
        nameof(AlertActionOutcome.NoteRequired) => Results.ValidationProblem(new Dictionary<string, string[]> { [noteField] = [reply.Problem ?? "required"] }),
        _ => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not possible in the alert's state", detail: reply.Problem),
    };

    private static IResult NotFound(Guid id) => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such alert", detail: $"There is no alert {id}.");

}
