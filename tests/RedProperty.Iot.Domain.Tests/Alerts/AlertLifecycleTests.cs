using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Domain.Contract;

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
    public void An_alert_only_staff_may_close_is_marked_when_its_condition_clears_and_its_return_is_audited()
    {
        var alert = Alert.Raise(Guid.NewGuid(), new AlertKey("s1", "lift", AlertType.ElevatorEntrapment), "lift-1", DeviceKind.Elevator, AlertSeverity.Critical, "alarm button pressed in the car", T0, clearing: AlertClearing.Staff);
        Assert.True(alert.ConditionPresent);
        Assert.False(alert.Clear(T0.AddSeconds(16), "car running"));
        Assert.True(alert.MarkConditionCleared(T0.AddSeconds(16), "car running"));
        Assert.False(alert.MarkConditionCleared(T0.AddSeconds(20), "car running"));
        Assert.Equal((AlertState.Active, false), (alert.State, alert.ConditionPresent));

        Assert.True(alert.Repeat(T0.AddSeconds(40), "occupied car stopped with the door closed for 60 s"));
        Assert.True(alert.ConditionPresent);
        Assert.Null(alert.ConditionClearedAt);
        Assert.Equal(AlertTransition.ConditionCleared, alert.ConditionEnded(T0.AddSeconds(50), "door opened"));
        Assert.True(alert.Resolve("王芳", "到场确认", T0.AddMinutes(3)).IsDone);
        Assert.Equal(
            new[] { AlertTransition.Raised, AlertTransition.ConditionCleared, AlertTransition.ConditionReturned, AlertTransition.ConditionCleared, AlertTransition.Resolved },
            alert.History.Select(h => h.Action));
        Assert.All(alert.History.SkipLast(1), h => Assert.Equal(Alert.SystemUser, h.By));

        // Kept as stored.
        var restored = Alert.Restore(alert.ToSnapshot());
        Assert.Equal((AlertClearing.Staff, alert.ConditionClearedAt), (restored.Clearing, restored.ConditionClearedAt));
    }

    [Fact]
    public void An_open_alert_raised_again_for_a_cause_only_staff_may_close_becomes_staff_only_for_good()
    {
        var alert = Alert.Raise(Guid.NewGuid(), new AlertKey("s1", "corr", AlertType.ChargerOverheat), "grid-1", DeviceKind.Charger, AlertSeverity.Critical, "75 °C", T0);
        Assert.Equal(AlertClearing.Automatic, alert.Clearing);
        Assert.True(alert.Repeat(T0.AddSeconds(10), "smoke detected, 76 °C", clearing: AlertClearing.Staff));
        Assert.True(alert.Repeat(T0.AddSeconds(20), "77 °C"));
        Assert.Equal(AlertClearing.Staff, alert.Clearing);
        Assert.Equal(new[] { AlertTransition.Raised, AlertTransition.StaffRequired }, alert.History.Select(h => h.Action));
        Assert.Equal(AlertTransition.ConditionCleared, alert.ConditionEnded(T0.AddMinutes(1), "cooled"));
        Assert.True(alert.IsOpen);
    }

    [Fact]
    public void A_reopen_after_a_persons_resolve_names_who_resolved_it_and_after_a_clear_by_the_system_it_does_not()
    {
        var alert = Raise();
        Assert.Null(alert.ReopenedAfterResolveBy);
        alert.Resolve("王芳", "told the resident", T0.AddMinutes(2));
        Assert.Null(alert.ReopenedAfterResolveBy);
        Assert.True(alert.Reopen(T0.AddMinutes(3), "2.6 A for 60 s", EscalationPolicy.ReopenWindow));
        Assert.Equal("王芳", alert.ReopenedAfterResolveBy);
        alert.Acknowledge("李强", T0.AddMinutes(4));
        Assert.Equal("王芳", alert.ReopenedAfterResolveBy);

        alert.Clear(T0.AddMinutes(6), "current below 0.2 A for 60 s");
        Assert.True(alert.Reopen(T0.AddMinutes(7), "again", EscalationPolicy.ReopenWindow));
        Assert.Null(alert.ReopenedAfterResolveBy);
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
    public void Acknowledged_in_time_is_not_escalated_but_a_critical_alert_still_needs_someone_on_site_in_30_minutes()
    {
        var alert = Raise(AlertSeverity.Critical);
        alert.Acknowledge("王芳", T0.AddMinutes(5));
        Assert.Empty(_policy.Due(alert, T0.AddMinutes(29)));
        Assert.Equal(T0.AddMinutes(30), _policy.NextDue(alert));
        Assert.Equal(T0.AddMinutes(30), _policy.ArriveDueAt(alert));
        Assert.Equal(new[] { AlertEscalation.NotOnSite }, _policy.Due(alert, T0.AddMinutes(30)));
    }

    [Fact]
    public void Someone_on_site_in_time_stops_the_on_site_escalation_though_the_alert_stays_open()
    {
        var alert = Raise(AlertSeverity.Critical);
        Assert.True(alert.Arrive("王芳", T0.AddMinutes(12), ArrivalProof.Sticker, "lift-1").IsDone);
        Assert.Null(_policy.NextDue(alert));
        Assert.Empty(_policy.Due(alert, T0.AddHours(3)));
        Assert.True(alert.IsOpen);
    }

    [Fact]
    public void A_critical_alert_ignored_for_30_minutes_is_escalated_twice()
    {
        var alert = Raise(AlertSeverity.Critical);
        Assert.Equal(new[] { AlertEscalation.NotAcknowledged, AlertEscalation.NotOnSite }, _policy.Due(alert, T0.AddMinutes(31)));
    }

    [Fact]
    public void An_alert_escalated_as_not_resolved_before_an_upgrade_is_not_escalated_again_for_the_same_promise()
    {
        var alert = Raise(AlertSeverity.Critical);
        alert.Acknowledge("王芳", T0.AddMinutes(5));
        Assert.True(alert.Escalate(AlertEscalation.NotResolved, T0.AddMinutes(30)));
        Assert.Empty(_policy.Due(alert, T0.AddMinutes(45)));
        Assert.Null(_policy.NextDue(alert));
    }

    [Fact]
    public void Only_critical_alerts_carry_the_on_site_promise()
    {
        var alert = Raise(AlertSeverity.Major);
        alert.Acknowledge("王芳", T0.AddMinutes(5));
        Assert.Null(_policy.ArriveDueAt(alert));
        Assert.Empty(_policy.Due(alert, T0.AddHours(2)));
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
