using RedProperty.Iot.Hub.Devices;

namespace RedProperty.Iot.Hub.Views;

public sealed record AlertTransitionView(DateTimeOffset At, string Action, string By, string? Note, string Severity, AlertFactView? Fact = null);

/// <summary>An alert with its resolution note and full audit trail (<c>GET /api/alerts/{id}</c>).</summary>
public sealed record AlertDetailView(AlertView Alert, string? ResolutionNote, DateTimeOffset ActiveSince, IReadOnlyList<AlertTransitionView> History)
{
    public static AlertDetailView From(Alert alert, long seq, EscalationPolicy policy, AlertEvidence? evidence = null, DeviceReadingView? reading = null, Place? place = null) => new(
        AlertView.From(alert, seq, policy, evidence, reading, place),
        alert.ResolutionNote,
        alert.ActiveSince,
        alert.History.Select(h => new AlertTransitionView(h.At, h.Action, h.By, h.Note, h.Severity.ToWire(), AlertFactView.From(h.Fact))).ToArray());
}
