using RedProperty.Iot.Domain.Alerts;

namespace RedProperty.Iot.Domain.Tests.Alerts;

public sealed class ClearingPolicyTests
{
    [Fact]
    public void Life_safety_alerts_are_never_closed_by_the_system_by_default_and_the_rest_may_clear_themselves()
    {
        var policy = ClearingPolicy.Default;
        Assert.Equal(AlertClearing.Staff, policy.For(AlertType.ElevatorEntrapment, AlertCause.Person));
        Assert.Equal(AlertClearing.Staff, policy.For(AlertType.ChargerOverheat, AlertCause.Smoke));
        Assert.Equal(AlertClearing.Staff, policy.For(AlertType.PanicButton, AlertCause.Person));
        Assert.Equal(AlertClearing.Staff, policy.For(AlertType.PanicButton, AlertCause.Condition));
        Assert.Equal(AlertClearing.Staff, policy.For(AlertType.ResidentReport, AlertCause.Condition));
        Assert.Equal(AlertClearing.Automatic, policy.For(AlertType.ElevatorEntrapment, AlertCause.Condition));
        Assert.Equal(AlertClearing.Automatic, policy.For(AlertType.ChargerOverheat, AlertCause.Condition));

        // Whatever the type, an alert a person raised waits for a person; a resident's report is always one.
        Assert.All(AlertCatalogue.All, type => Assert.Equal(AlertClearing.Staff, policy.For(type, AlertCause.Person)));
        Assert.All(AlertCatalogue.All.Where(t => t is not (AlertType.PanicButton or AlertType.ResidentReport)), type => Assert.Equal(AlertClearing.Automatic, policy.For(type, AlertCause.Condition)));
    }

    [Fact]
    public void Configuration_overrides_a_type_or_one_cause_of_it_the_more_specific_winning()
    {
        var policy = ClearingPolicy.Build(
            new Dictionary<string, string?> { ["elevator_fault"] = "staff", ["elevator_entrapment"] = "staff", ["elevator_entrapment/person"] = "Staff", ["charger_overheat/smoke"] = "auto" },
            "Alerts:Clearing", out var errors);
        Assert.Empty(errors);
        Assert.Equal(AlertClearing.Staff, policy.For(AlertType.ElevatorFault, AlertCause.Condition));
        Assert.Equal(AlertClearing.Staff, policy.For(AlertType.ElevatorEntrapment, AlertCause.Condition));
        Assert.Equal(AlertClearing.Automatic, policy.For(AlertType.ChargerOverheat, AlertCause.Smoke));
        Assert.Equal(AlertClearing.Automatic, policy.For(AlertType.BrokenLight, AlertCause.Condition));
    }

    [Fact]
    public void Every_bad_key_or_value_is_named()
    {
        ClearingPolicy.Build(
            new Dictionary<string, string?> { ["lamp_broken"] = "auto", ["elevator_entrapment/alarm"] = "auto", ["panic_button"] = "never", ["broken_light"] = null },
            "Alerts:Clearing", out var errors);
        Assert.Equal(4, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("Alerts:Clearing:lamp_broken: 'lamp_broken' is not an alert type", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Alerts:Clearing:elevator_entrapment/alarm: 'alarm' is not a cause (one of condition, person, smoke)", StringComparison.Ordinal));
        Assert.Contains("Alerts:Clearing:panic_button: 'never' must be auto or staff", errors);
        Assert.Contains("Alerts:Clearing:broken_light: '' must be auto or staff", errors);
    }
}
