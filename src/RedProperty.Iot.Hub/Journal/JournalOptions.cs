using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace RedProperty.Iot.Hub.Journal;

/// <summary>The <c>Journal</c> section: the ingest journal on local disk (docs/journal.md).</summary>
public sealed class JournalOptions : IValidatableObject
{
    public const string Section = "Journal";

    /// <summary>Where the segment files live; null: <c>&lt;Hub:DataDir&gt;/journal</c>.</summary>
    public string? Directory { get; set; }

    /// <summary>A new segment file is started when the next group commit would make the current one larger.</summary>
    [Range(4096, 1L << 30)]
    public long SegmentBytes { get; set; } = 64L << 20;

    /// <summary>The journal's bound on disk; at least 4 segments.</summary>
    [Range(16384, long.MaxValue)]
    public long MaxBytes { get; set; } = 2L << 30;

    /// <summary>How long a group commit waits for more records after its first.</summary>
    [Range(0, 100)]
    public int CommitDelayMs { get; set; }

    /// <summary>A group commit with this many bytes is written at once, without waiting <see cref="CommitDelayMs"/>.</summary>
    [Range(4096, 64 << 20)]
    public int CommitMaxBytes { get; set; } = 1 << 20;

    /// <summary>
    /// How far ahead of the last record the active segment's file is already written (with zeros), so a group
    /// commit's fsync overwrites blocks the file system has and does not wait for its own journal; 0: off.
    /// </summary>
    [Range(0, 64 << 20)]
    public long PreallocateBytes { get; set; } = 1 << 20;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxBytes < SegmentBytes * 4)
        {
            yield return new ValidationResult($"Journal:MaxBytes ({MaxBytes}) must be at least 4 × Journal:SegmentBytes ({SegmentBytes})", [nameof(MaxBytes)]);
        }
        else if (MaxBytes / SegmentBytes > 4096)
        {
            yield return new ValidationResult($"Journal:MaxBytes ({MaxBytes}) must be at most 4096 × Journal:SegmentBytes ({SegmentBytes}); use larger segments", [nameof(SegmentBytes)]);
        }

        if (CommitMaxBytes > SegmentBytes)
        {
            yield return new ValidationResult($"Journal:CommitMaxBytes ({CommitMaxBytes}) must be at most Journal:SegmentBytes ({SegmentBytes})", [nameof(CommitMaxBytes)]);
        }
    }
}

[OptionsValidator]
public sealed partial class JournalOptionsValidator : IValidateOptions<JournalOptions>;
