using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace RedProperty.Iot.Hub.Field;

/// <summary>Field response (<c>Field:*</c>): the place stickers' key and the address printed on them.</summary>
public sealed class FieldOptions : IValidatableObject
{
    public const string Section = "Field";

    public const int MinStickerKeyBytes = 32;

    /// <summary>
    /// Base64 of at least 32 random bytes that signs the place stickers. Empty: the hub makes one at first start
    /// and keeps it as <c>sticker.key</c> in its data directory. Instances that serve the same sites (scale-out)
    /// need the same key, or a sticker printed from one is refused by the other.
    /// </summary>
    public string? StickerKey { get; set; }

    /// <summary>
    /// The address phones reach the hub at (e.g. <c>https://hub.jiahua.example</c>), printed in the stickers'
    /// QR codes. Empty: the address the sticker sheet was opened with.
    /// </summary>
    public string? PublicUrl { get; set; }

    /// <summary>
    /// Each member of staff's weekly shifts in the site's local time, by username: <c>Field:Roster:wang:0</c> =
    /// <c>mon-fri 08:00-18:00</c>. Someone without a roster is on duty only when the desk says so.
    /// </summary>
    public Dictionary<string, string[]> Roster { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(StickerKey) && StickerKeyBytes() is not { Length: >= MinStickerKeyBytes })
        {
            yield return new ValidationResult($"Field:StickerKey must be base64 of at least {MinStickerKeyBytes} random bytes (openssl rand -base64 32)", [nameof(StickerKey)]);
        }

        if (!string.IsNullOrEmpty(PublicUrl)
            && (!Uri.TryCreate(PublicUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.Query.Length > 0 || url.Fragment.Length > 0))
        {
            yield return new ValidationResult($"Field:PublicUrl '{PublicUrl}' must be an absolute http or https address without query, e.g. https://hub.jiahua.example", [nameof(PublicUrl)]);
        }

        foreach (var problem in RosterProblems())
        {
            yield return problem;
        }
    }

    public IEnumerable<ValidationResult> RosterProblems()
    {
        foreach (var (username, shifts) in Roster)
        {
            WeeklyRoster.Parse(shifts, out var errors);
            foreach (var error in errors)
            {
                yield return new ValidationResult($"Field:Roster:{username}: {error}", [nameof(Roster)]);
            }
        }
    }

    public byte[]? StickerKeyBytes()
    {
        var buffer = new byte[((StickerKey?.Length ?? 0) * 3 / 4) + 3];
        return Convert.TryFromBase64String(StickerKey ?? string.Empty, buffer, out var written) ? buffer[..written] : null;
    }
}

[OptionsValidator]
public sealed partial class FieldOptionsValidator : IValidateOptions<FieldOptions>;
