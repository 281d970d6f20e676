namespace RedProperty.Iot.Domain.Alerts;

public enum AlertCommandOutcome
{
    Done,
    NotAllowed,
    NoteRequired,
}

public readonly record struct AlertCommandResult(AlertCommandOutcome Outcome, string? Problem = null)
{
    public static AlertCommandResult Done { get; } = new(AlertCommandOutcome.Done);

    public bool IsDone => Outcome == AlertCommandOutcome.Done;
}
