namespace RedProperty.Iot.Hub.Views;

/// <summary>Camera evidence attached to an alert: a snapshot, and for critical alerts a clip (URLs under /api/evidence).</summary>
public sealed record AlertEvidence(string? SnapshotUrl, string? ClipUrl);
