namespace RedProperty.Iot.Hub.Views;

/// <summary>
/// Evidence attached to an alert (URLs under /api/evidence): a camera snapshot, for critical alerts a clip, the
/// photo a worker took when resolving it and the photo a resident sent with a report. The newest of each kind counts.
/// </summary>
public sealed record AlertEvidence(string? SnapshotUrl, string? ClipUrl, string? PhotoUrl = null, string? ResidentPhotoUrl = null)
{
    public const string Snapshot = "snapshot";
    public const string Clip = "clip";
    public const string Photo = "photo";
    public const string ResidentPhoto = "resident_photo";

    public static readonly AlertEvidence None = new(null, null);

    /// <summary>This evidence with one kind's file replaced (an unknown kind changes nothing).</summary>
    public AlertEvidence With(string kind, string url) => kind switch
    {
        Snapshot => this with { SnapshotUrl = url },
        Clip => this with { ClipUrl = url },
        Photo => this with { PhotoUrl = url },
        ResidentPhoto => this with { ResidentPhotoUrl = url },
        _ => this,
    };

    public string? UrlOf(string kind) => kind switch
    {
        Snapshot => SnapshotUrl,
        Clip => ClipUrl,
        Photo => PhotoUrl,
        ResidentPhoto => ResidentPhotoUrl,
        _ => null,
    };
}
