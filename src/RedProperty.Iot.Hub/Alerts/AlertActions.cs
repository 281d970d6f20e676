using RedProperty.Iot.Hub.Field;

namespace RedProperty.Iot.Hub.Alerts;

/// <summary>
/// Staff actions by name, as they travel between hubs (another instance's forwarded request, a district centre's
/// command): <c>ack</c>, <c>on-the-way</c>, <c>arrive</c> (the desk's reason in the note), <c>arrive-sticker</c>
/// (the sticker's token in the note, read again here with this hub's key: a forwarded token is not taken on
/// trust), <c>assign</c> (the username in the note, who must be a worker of the alert's site here) and
/// <c>resolve</c>. Carried out by the <see cref="Alert"/>'s own guarded methods through <see cref="AlertService"/>.
/// </summary>
public sealed class AlertActions(AlertService alerts, PlaceStickers stickers, GridDispatcher dispatcher)
{
    public static readonly IReadOnlySet<string> Names = new HashSet<string>(StringComparer.Ordinal) { "ack", "on-the-way", "arrive", "arrive-sticker", "assign", "resolve" };

    /// <param name="site">The alert's site (for the assignee's check).</param>
    public async Task<AlertActionResult> ApplyAsync(string action, Guid alertId, string site, string by, string? note, CancellationToken cancellationToken, AlertActionReceipt? receipt = null) =>
        action switch
        {
            "ack" => await alerts.AcknowledgeAsync(alertId, by, note, cancellationToken, receipt).ConfigureAwait(false),
            "on-the-way" => await alerts.SetOutAsync(alertId, by, cancellationToken, receipt).ConfigureAwait(false),
            "arrive" => await alerts.ConfirmArrivalAsync(alertId, by, note, cancellationToken, receipt).ConfigureAwait(false),
            "arrive-sticker" => stickers.Read(StickerPurpose.Arrival, note) is { IsValid: true } sticker
                ? await alerts.ArriveAtAsync(alertId, by, sticker.Site!.Id, sticker.Place!, cancellationToken, receipt).ConfigureAwait(false)
                : new AlertActionResult(AlertActionOutcome.NoteRequired, Problem: stickers.Read(StickerPurpose.Arrival, note).Problem),
            "assign" => dispatcher.WorkerOf(note ?? string.Empty, site) is { } worker
                ? await alerts.AssignAsync(alertId, worker.Username, by, cancellationToken, receipt).ConfigureAwait(false)
                : new AlertActionResult(AlertActionOutcome.NoteRequired, Problem: $"'{note}' is not an enabled operator or supervisor of site '{site}'"),
            "resolve" => await alerts.ResolveAsync(alertId, by, note, cancellationToken, receipt).ConfigureAwait(false),
            _ => new AlertActionResult(AlertActionOutcome.NotAllowed, Problem: $"unknown action '{action}'"),
        };
}
