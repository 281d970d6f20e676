using RedProperty.Iot.Alerts;
using RedProperty.Iot.Contract;

namespace RedProperty.Iot.Domain.Tests.Alerts;

public sealed class AlertLifecycleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 20, 0, 0, TimeSpan.FromHours(8));

    private static Alert Raise(AlertSeverity severity = AlertSeverity.Major) =>
        Alert.Raise(Guid.NewGuid(), new AlertKey("s1", "corr", AlertType.FlyingWireCharging), "grid-1", DeviceKind.Charger, severity, "2 A for 60 s", T0);

    [Fact]
    public void Raised_alerts_are_active_with_count_one_and_an_audit_entry()
    {
        var alert = Raise();
        Assert.Equal(AlertState.Active, alert.State);
        Assert.Equal(1, alert.Count);
        Assert.Equal(T0, alert.LastSeenAt);
        var entry = Assert.Single(alert.History);
        Assert.Equal((AlertTransition.Raised, Alert.SystemUser), (entry.Action, entry.By));
    }

    [Fact]
    public void Repeats_count_and_move_last_seen_without_filling_the_audit_trail()
    {
        var alert = Raise();
        Assert.True(alert.Repeat(T0.AddSeconds(30), "2.2 A for 90 s"));
        Assert.True(alert.Repeat(T0.AddSeconds(60), "2.1 A for 120 s"));
        Assert.Equal(3, alert.Count);
        Assert.Equal(T0.AddSeconds(60), alert.LastSeenAt);
        Assert.Equal("2.1 A for 120 s", alert.Message);
        Assert.Single(alert.History);
    }

    [Fact]
    public void Acknowledge_needs_a_name_and_an_active_alert()
    {
        var alert = Raise();
        Assert.Equal(AlertCommandOutcome.NotAllowed, alert.Acknowledge(" ", T0).Outcome);
        Assert.True(alert.Acknowledge("王芳", T0.AddMinutes(3), "on my way").IsDone);
        Assert.Equal(AlertState.Acknowledged, alert.State);
        Assert.Equal(("王芳", T0.AddMinutes(3)), (alert.AcknowledgedBy, alert.AcknowledgedAt));
        Assert.Equal(AlertCommandOutcome.NotAllowed, alert.Acknowledge("李强", T0.AddMinutes(4)).Outcome);
        Assert.Equal("王芳", alert.AcknowledgedBy);
    }

    [Fact]
    public void Resolve_needs_a_note_and_works_from_active_or_acknowledged()
    {
        var alert = Raise();
        Assert.Equal(AlertCommandOutcome.NoteRequired, alert.Resolve("王芳", "  ", T0).Outcome);
        Assert.True(alert.Resolve("王芳", "unplugged the charger, warned the resident", T0.AddMinutes(10)).IsDone);
        Assert.Equal(AlertState.Resolved, alert.State);
        Assert.Equal("unplugged the charger, warned the resident", alert.ResolutionNote);
        Assert.Equal(AlertCommandOutcome.NotAllowed, alert.Resolve("王芳", "again", T0.AddMinutes(11)).Outcome);
        Assert.False(alert.Repeat(T0.AddMinutes(12), "x"));
    }

    [Fact]
    public void Clearing_resolves_by_the_system_and_only_an_open_alert()
    {
        var alert = Raise();
        alert.Acknowledge("王芳", T0.AddMinutes(1));
        Assert.True(alert.Clear(T0.AddMinutes(2), "current below 0.2 A for 60 s"));
        Assert.Equal((AlertState.Resolved, Alert.SystemUser), (alert.State, alert.ResolvedBy));
        Assert.False(alert.Clear(T0.AddMinutes(3), "again"));
        Assert.Equal(new[] { AlertTransition.Raised, AlertTransition.Acknowledged, AlertTransition.Cleared }, alert.History.Select(h => h.Action));
    }

    [Theory]
    [InlineData(299, true)]
    [InlineData(300, true)]
    [InlineData(301, false)]
    public void Firing_again_within_five_minutes_reopens_the_same_alert(int secondsLater, bool reopens)
    {
        var alert = Raise();
        alert.Clear(T0.AddMinutes(1), "cleared");
        var at = T0.AddMinutes(1).AddSeconds(secondsLater);
        Assert.Equal(reopens, alert.Reopen(at, "again", EscalationPolicy.ReopenWindow));
        if (reopens)
        {
            Assert.Equal((AlertState.Active, 2, at), (alert.State, alert.Count, alert.ActiveSince));
            Assert.Null(alert.ResolvedAt);
            Assert.Equal(AlertTransition.Reopened, alert.History[^1].Action);
        }
    }

    [Fact]
    public void Severity_changes_are_audited()
    {
        var alert = Raise();
        Assert.True(alert.ChangeSeverity("主管", AlertSeverity.Critical, "resident reports smoke", T0.AddMinutes(1)).IsDone);
        Assert.Equal(AlertSeverity.Critical, alert.Severity);
        var entry = alert.History[^1];
        Assert.Equal((AlertTransition.SeverityChanged, "主管", AlertSeverity.Critical), (entry.Action, entry.By, entry.Severity));
    }
}

public sealed class EscalationPolicyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 29, 20, 0, 0, TimeSpan.Zero);
    private readonly EscalationPolicy _policy = EscalationPolicy.Default;

    private static Alert Raise(AlertSeverity severity) =>
        Alert.Raise(Guid.NewGuid(), new AlertKey("s1", "lift", AlertType.ElevatorEntrapment), "lift-1", DeviceKind.Elevator, severity, "stuck", T0);

    [Fact]
    public void Not_acknowledged_in_15_minutes_is_escalated_once()
    {
        var alert = Raise(AlertSeverity.Major);
        Assert.Empty(_policy.Due(alert, T0.AddMinutes(15).AddTicks(-1)));
        Assert.Equal(new[] { AlertEscalation.NotAcknowledged }, _policy.Due(alert, T0.AddMinutes(15)));
        Assert.Equal(T0.AddMinutes(15), _policy.NextDue(alert));
        Assert.True(alert.Escalate(AlertEscalation.NotAcknowledged, T0.AddMinutes(15)));
        Assert.False(alert.Escalate(AlertEscalation.NotAcknowledged, T0.AddMinutes(16)));
        Assert.Empty(_policy.Due(alert, T0.AddHours(2)));
        Assert.Null(_policy.NextDue(alert));
    }

    [Fact]
    public void Acknowledged_in_time_is_not_escalated_but_a_critical_alert_still_must_be_resolved_in_30_minutes()
    {
        var alert = Raise(AlertSeverity.Critical);
        alert.Acknowledge("王芳", T0.AddMinutes(5));
        Assert.Empty(_policy.Due(alert, T0.AddMinutes(29)));
        Assert.Equal(T0.AddMinutes(30), _policy.NextDue(alert));
        Assert.Equal(new[] { AlertEscalation.NotResolved }, _policy.Due(alert, T0.AddMinutes(30)));
    }

    [Fact]
    public void A_critical_alert_ignored_for_30_minutes_is_escalated_twice()
    {
        var alert = Raise(AlertSeverity.Critical);
        Assert.Equal(new[] { AlertEscalation.NotAcknowledged, AlertEscalation.NotResolved }, _policy.Due(alert, T0.AddMinutes(31)));
    }

    [Fact]
    public void Resolved_alerts_are_never_escalated_and_a_reopened_one_starts_its_clocks_again()
    {
        var alert = Raise(AlertSeverity.Critical);
        alert.Escalate(AlertEscalation.NotAcknowledged, T0.AddMinutes(15));
        alert.Clear(T0.AddMinutes(20), "door opened");
        Assert.Empty(_policy.Due(alert, T0.AddHours(1)));
        alert.Reopen(T0.AddMinutes(22), "stuck again", EscalationPolicy.ReopenWindow);
        Assert.Empty(_policy.Due(alert, T0.AddMinutes(36)));
        Assert.Equal(T0.AddMinutes(37), _policy.NextDue(alert));
        Assert.Equal(new[] { AlertEscalation.NotAcknowledged }, _policy.Due(alert, T0.AddMinutes(37)));
    }
}
