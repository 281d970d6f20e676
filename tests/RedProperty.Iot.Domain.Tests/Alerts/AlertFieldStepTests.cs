using RedProperty.Iot.Domain.Alerts;
using RedProperty.Iot.Domain.Contract;

namespace RedProperty.Iot.Domain.Tests.Alerts;

/// <summary>The field steps between acknowledged and resolved: on the way, arrived on site.</summary>
public sealed class AlertFieldStepTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 21, 0, 0, TimeSpan.FromHours(8));

    private static Alert Raise() =>
        Alert.Raise(Guid.NewGuid(), new AlertKey("s1", "lift-6a", AlertType.ElevatorEntrapment), "6栋", DeviceKind.Elevator, AlertSeverity.Critical, "alarm button", T0, clearing: AlertClearing.Staff);

    private static string[] Actions(Alert alert) => alert.History.Select(h => h.Action).ToArray();

    [Fact]
    public void A_worker_acknowledges_sets_out_and_arrives_each_step_audited()
    {
        var alert = Raise();
        Assert.True(alert.Acknowledge("王芳", T0.AddMinutes(2)).IsDone);
        Assert.True(alert.SetOut("王芳", T0.AddMinutes(3)).IsDone);
        Assert.True(alert.Arrive("王芳", T0.AddMinutes(12), ArrivalProof.Sticker, "place-6a-car").IsDone);

        Assert.Equal(AlertState.Acknowledged, alert.State);
        Assert.Equal(("王芳", T0.AddMinutes(3)), (alert.OnTheWayBy, alert.OnTheWayAt));
        Assert.Equal(("王芳", T0.AddMinutes(12), ArrivalProof.Sticker, "place-6a-car"), (alert.ArrivedBy, alert.ArrivedAt, alert.ArrivalProof, alert.ArrivalDetail));
        Assert.Equal([AlertTransition.Raised, AlertTransition.Acknowledged, AlertTransition.OnTheWay, AlertTransition.Arrived], Actions(alert));
        Assert.Equal("sticker: place-6a-car", alert.History[^1].Note);
    }

    [Fact]
    public void Arriving_on_an_alert_nobody_acknowledged_acknowledges_it_in_the_same_name_first()
    {
        var alert = Raise();
        Assert.True(alert.Arrive("李强", T0.AddMinutes(9), ArrivalProof.Sticker, "place-6a-car").IsDone);
        Assert.Equal(AlertState.Acknowledged, alert.State);
        Assert.Equal(("李强", T0.AddMinutes(9)), (alert.AcknowledgedBy, alert.AcknowledgedAt));
        Assert.Equal([AlertTransition.Raised, AlertTransition.Acknowledged, AlertTransition.Arrived], Actions(alert));
        Assert.Null(alert.OnTheWayAt);
    }

    [Fact]
    public void Setting_out_on_an_alert_nobody_acknowledged_acknowledges_it_too()
    {
        var alert = Raise();
        Assert.True(alert.SetOut("李强", T0.AddMinutes(1)).IsDone);
        Assert.Equal(("李强", AlertState.Acknowledged), (alert.AcknowledgedBy, alert.State));
        Assert.Equal([AlertTransition.Raised, AlertTransition.Acknowledged, AlertTransition.OnTheWay], Actions(alert));
    }

    [Fact]
    public void A_second_arrival_is_refused_with_who_arrived_and_changes_nothing()
    {
        var alert = Raise();
        Assert.True(alert.Arrive("王芳", T0.AddMinutes(10), ArrivalProof.Sticker, "place-6a-car").IsDone);
        var again = alert.Arrive("李强", T0.AddMinutes(11), ArrivalProof.Desk, "called from the lobby");
        Assert.Equal(AlertCommandOutcome.NotAllowed, again.Outcome);
        Assert.Contains("王芳", again.Problem);
        Assert.Equal(("王芳", T0.AddMinutes(10), ArrivalProof.Sticker), (alert.ArrivedBy, alert.ArrivedAt, alert.ArrivalProof));
        Assert.Single(alert.History, h => h.Action == AlertTransition.Arrived);
    }

    [Fact]
    public void Setting_out_again_is_nothing_for_the_same_worker_and_refused_for_another_or_after_arrival()
    {
        var alert = Raise();
        Assert.True(alert.SetOut("王芳", T0.AddMinutes(1)).IsDone);
        Assert.True(alert.SetOut("王芳", T0.AddMinutes(2)).IsDone);   // a phone's retried request
        Assert.Equal(T0.AddMinutes(1), alert.OnTheWayAt);
        var other = alert.SetOut("李强", T0.AddMinutes(2));
        Assert.Equal(AlertCommandOutcome.NotAllowed, other.Outcome);
        Assert.Contains("王芳", other.Problem);
        Assert.True(alert.Arrive("王芳", T0.AddMinutes(8), ArrivalProof.Sticker, "place-6a-car").IsDone);
        Assert.Equal(AlertCommandOutcome.NotAllowed, alert.SetOut("王芳", T0.AddMinutes(9)).Outcome);
        Assert.Single(alert.History, h => h.Action == AlertTransition.OnTheWay);
    }

    [Fact]
    public void The_desk_confirms_an_arrival_only_with_a_reason()
    {
        var alert = Raise();
        Assert.Equal(AlertCommandOutcome.NoteRequired, alert.Arrive("desk-1", T0.AddMinutes(5), ArrivalProof.Desk, "  ").Outcome);
        Assert.Equal(AlertCommandOutcome.NotAllowed, alert.Arrive("王芳", T0.AddMinutes(5), ArrivalProof.Sticker, null).Outcome);
        Assert.Null(alert.ArrivedAt);
        Assert.Equal(AlertState.Active, alert.State);
        Assert.True(alert.Arrive("desk-1", T0.AddMinutes(6), ArrivalProof.Desk, " 王芳 called from the car park ").IsDone);
        Assert.Equal((ArrivalProof.Desk, "王芳 called from the car park"), (alert.ArrivalProof, alert.ArrivalDetail));
    }

    [Fact]
    public void Nothing_happens_on_a_resolved_alert_and_a_reopen_resets_the_field_clocks()
    {
        var alert = Alert.Raise(Guid.NewGuid(), new AlertKey("s1", "cam-1", AlertType.CameraTamper), "gate", DeviceKind.Camera, AlertSeverity.Major, "covered", T0);
        Assert.True(alert.SetOut("王芳", T0.AddMinutes(1)).IsDone);
        Assert.True(alert.Arrive("王芳", T0.AddMinutes(7), ArrivalProof.Sticker, "place-gate").IsDone);
        Assert.True(alert.Resolve("王芳", "wiped the lens", T0.AddMinutes(9)).IsDone);
        Assert.Equal(AlertCommandOutcome.NotAllowed, alert.SetOut("李强", T0.AddMinutes(10)).Outcome);
        Assert.Equal(AlertCommandOutcome.NotAllowed, alert.Arrive("李强", T0.AddMinutes(10), ArrivalProof.Sticker, "place-gate").Outcome);

        Assert.True(alert.Reopen(T0.AddMinutes(12), "covered again", EscalationPolicy.ReopenWindow));
        Assert.Equal((null, null, null, null, null, null), (alert.OnTheWayBy, alert.OnTheWayAt, alert.ArrivedBy, alert.ArrivedAt, alert.ArrivalProof, alert.ArrivalDetail));
        Assert.True(alert.Arrive("李强", T0.AddMinutes(20), ArrivalProof.Sticker, "place-gate").IsDone);
        Assert.Equal(T0.AddMinutes(20), alert.ArrivedAt);
    }

    [Fact]
    public void The_field_steps_survive_a_snapshot()
    {
        var alert = Raise();
        alert.SetOut("王芳", T0.AddMinutes(1));
        alert.Arrive("王芳", T0.AddMinutes(7), ArrivalProof.Sticker, "place-6a-car");
        var restored = Alert.Restore(alert.ToSnapshot());
        Assert.Equal(alert.ToSnapshot() with { History = [], Escalations = [] }, restored.ToSnapshot() with { History = [], Escalations = [] });
        Assert.Equal(Actions(alert), Actions(restored));
        Assert.Equal(AlertCommandOutcome.NotAllowed, restored.Arrive("李强", T0.AddMinutes(8), ArrivalProof.Desk, "x").Outcome);
    }

    [Fact]
    public void An_assignment_is_audited_a_reassignment_too_the_same_person_again_is_nothing_and_a_resolved_alert_is_not_assigned()
    {
        var alert = Raise();
        Assert.True(alert.Assign("wang", Alert.SystemUser, T0).IsDone);
        Assert.True(alert.Assign("WANG", Alert.SystemUser, T0.AddSeconds(1)).IsDone);
        Assert.True(alert.Assign("li", "desk-op", T0.AddMinutes(1)).IsDone);
        Assert.Equal(("li", T0.AddMinutes(1)), (alert.AssignedTo, alert.AssignedAt));
        Assert.Equal([AlertTransition.Raised, AlertTransition.Assigned, AlertTransition.Assigned], Actions(alert));
        Assert.Equal((Alert.SystemUser, "to wang"), (alert.History[1].By, alert.History[1].Note));
        Assert.Equal(("desk-op", "to li"), (alert.History[2].By, alert.History[2].Note));

        var restored = Alert.Restore(alert.ToSnapshot());
        Assert.Equal(("li", T0.AddMinutes(1)), (restored.AssignedTo, restored.AssignedAt));

        Assert.True(alert.Resolve("li", "cable removed", T0.AddMinutes(20)).IsDone);
        Assert.Equal(AlertCommandOutcome.NotAllowed, alert.Assign("zhao", "desk-op", T0.AddMinutes(21)).Outcome);
        Assert.Equal(AlertCommandOutcome.NotAllowed, Raise().Assign(" ", "desk-op", T0).Outcome);
    }
}
