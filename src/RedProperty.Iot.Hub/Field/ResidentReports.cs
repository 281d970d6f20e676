using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.Storage;
using RedProperty.Iot.Hub.Views;

namespace RedProperty.Iot.Hub.Field;

/// <summary>What a resident can report, with the severity its alert gets.</summary>
public static class ResidentCategories
{
    public static readonly IReadOnlyDictionary<string, AlertSeverity> All = new Dictionary<string, AlertSeverity>(StringComparer.Ordinal)
    {
        ["light_out"] = AlertSeverity.Minor,
        ["elevator"] = AlertSeverity.Major,
        ["flying_wire"] = AlertSeverity.Major,
        ["smoke"] = AlertSeverity.Critical,
        ["other"] = AlertSeverity.Minor,
    };
}

public enum ResidentReportOutcome
{
    Accepted,
    Invalid,
    TooManyForPlace,
}

/// <summary>The outcome of a report: its tracking token, or what is wrong (by field) or too much.</summary>
public readonly record struct ResidentReportResult(ResidentReportOutcome Outcome, string? Tracking = null, string? Field = null, string? Problem = null, TimeSpan RetryAfter = default);

/// <summary>A report as the resident follows it: no staff data beyond a display name, no other resident's report.</summary>
public sealed record ResidentTrackingView(
    string SiteName, string PlaceName, string Category, DateTimeOffset ReceivedAt, string State,
    DateTimeOffset? RespondedAt, DateTimeOffset? OnTheWayAt, DateTimeOffset? OnSiteAt, DateTimeOffset? ResolvedAt,
    string? Responder, string? Resolution);

/// <summary>One resident's report as staff see it under its alert; <see cref="Phone"/> is masked unless the viewer is the assigned worker.</summary>
public sealed record ResidentReportView(DateTimeOffset ReceivedAt, string Category, string Text, string? Phone, bool PhoneMasked, string? PhotoUrl);

/// <summary>
/// Residents' reports from a place's sticker: each becomes (or joins) a <c>resident_report</c> alert of that
/// place and category, with the same 15/30 promise; the resident gets a tracking token of their own. Reports
/// of the same place and category while its alert is open merge into it (its count). Per place at most
/// <see cref="MaxPerPlacePerHour"/> an hour (the per-address limit is the endpoint's rate limiter).
/// </summary>
public sealed class ResidentReports(AlertService alerts, HubDatabase database, Staff.StaffDirectory staff, FieldPhotos photos, TimeProvider time)
{
    public const int MaxTextLength = 500;
    public const int MaxPerPlacePerHour = 20;

    private readonly Dictionary<string, Queue<DateTimeOffset>> _recentByPlace = new(StringComparer.Ordinal);
    private readonly Lock _recentGate = new();

    /// <param name="photo">A photo already checked (<see cref="PhotoUploads"/>), kept as the alert's evidence.</param>
    public async Task<ResidentReportResult> SubmitAsync(Site site, Place place, string? category, string? text, string? phone, PhotoUpload? photo, CancellationToken cancellationToken)
    {
        if (category is null || !ResidentCategories.All.TryGetValue(category, out var severity))
        {
            return Invalid("category", $"one of {string.Join(", ", ResidentCategories.All.Keys)}");
        }

        text = text?.Trim() ?? string.Empty;
        if (text.Length > MaxTextLength || text.Any(c => char.IsControl(c) && c != '\n'))
        {
            return Invalid("text", $"at most {MaxTextLength} characters, no control characters");
        }

        phone = string.IsNullOrWhiteSpace(phone) ? null : phone.Trim();
        if (phone is not null && (phone.Length is < 5 or > 20 || !phone.All(c => char.IsAsciiDigit(c) || c is '+' or '-' or ' ')))
        {
            return Invalid("phone", "a phone number of 5 to 20 digits (+, - and spaces allowed), or none");
        }

        var now = time.GetUtcNow();
        if (TooMany(site.Id, place.Id, now) is { } wait)
        {
            return new ResidentReportResult(ResidentReportOutcome.TooManyForPlace,
                Problem: $"This place has had {MaxPerPlacePerHour} reports in the last hour; it is being looked after. Try again later or call the property desk.", RetryAfter: wait);
        }

        var device = new Device(site.Id, ResidentReportKey.DeviceIdOf(category, place.Id), DeviceKind.Resident, place.Zone, place.Name, SecretHash: string.Empty, Device.DefaultIntervalS, StreamUrl: null, Circuit: null) { Place = place.Id };
        var message = text.Length > 0 ? text : $"resident report: {category.Replace('_', ' ')}";
        var signal = new AlertSignal(AlertSignalKind.Raise, AlertType.ResidentReport, device, severity, message, Cause: AlertCause.Person);
        await alerts.ApplyAsync(signal, cancellationToken).ConfigureAwait(false);
        if (alerts.OpenAlertOf(signal.Key) is not { } alert)
        {
            throw new InvalidOperationException($"The report's alert {signal.Key} is not open after it was raised.");
        }

        string? photoUrl = null;
        if (photo is not null)
        {
            photoUrl = await photos.SaveAsync(site.Id, alert.Id, AlertEvidence.ResidentPhoto, photo.Upload, photo.Jpeg, cancellationToken).ConfigureAwait(false);
            await alerts.AttachEvidenceAsync(alert.Id, AlertEvidence.ResidentPhoto, photoUrl, cancellationToken).ConfigureAwait(false);
        }

        var tracking = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
        await database.RunAsync(async (connection, ct) =>
        {
            await using var insert = connection.Command("""
                INSERT INTO resident_reports (tracking_hash, alert_id, site, place, category, text, phone, photo_url, created_at)
                VALUES ($hash, $alert, $site, $place, $category, $text, $phone, $photo, $at);
                """)
                .With("$hash", Hash(tracking))
                .With("$alert", alert.Id.ToString())
                .With("$site", site.Id)
                .With("$place", place.Id)
                .With("$category", category)
                .With("$text", text)
                .With("$phone", phone)
                .With("$photo", photoUrl)
                .With("$at", now.ToUnixTimeMilliseconds());
            return await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return new ResidentReportResult(ResidentReportOutcome.Accepted, tracking);
    }

    /// <summary>What the resident sees of their report; null for a token that names none.</summary>
    public async Task<ResidentTrackingView?> TrackAsync(string tracking, DeviceRegistry registry, CancellationToken cancellationToken)
    {
        if (tracking.Length > 64)
        {
            return null;
        }

        var row = await database.RunAsync(async (connection, ct) =>
        {
            await using var query = connection.Command("SELECT alert_id, site, place, category, created_at FROM resident_reports WHERE tracking_hash = $hash;").With("$hash", Hash(tracking));
            var rows = await query.ListAsync(r => (Alert: Guid.Parse(r.GetString(0)), Site: r.GetString(1), Place: r.GetString(2), Category: r.GetString(3), At: DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4))), ct).ConfigureAwait(false);
            return rows.Count == 0 ? ((Guid, string, string, string, DateTimeOffset)?)null : rows[0];
        }, cancellationToken).ConfigureAwait(false);
        if (row is not var (alertId, siteId, placeId, category, receivedAt) || await alerts.DetailAsync(alertId, cancellationToken).ConfigureAwait(false) is not { } detail)
        {
            return null;
        }

        var alert = detail.Alert;
        var site = registry.SitesById.GetValueOrDefault(siteId);
        var responder = alert.ArrivedBy ?? alert.OnTheWayBy ?? alert.AcknowledgedBy;
        return new ResidentTrackingView(
            site?.Name ?? siteId,
            site?.Places.GetValueOrDefault(placeId)?.Name ?? placeId,
            category,
            receivedAt,
            alert.State,
            alert.AcknowledgedAt,
            alert.OnTheWayAt,
            alert.ArrivedAt,
            alert.ResolvedAt,
            responder is null ? null : (await staff.FindAsync(responder, cancellationToken).ConfigureAwait(false))?.DisplayName ?? "物业工作人员",
            alert.State == "resolved" ? detail.ResolutionNote : null);
    }

    /// <summary>The reports behind an alert, oldest first; the call-back number whole only when <paramref name="showPhone"/>.</summary>
    public Task<IReadOnlyList<ResidentReportView>> OfAlertAsync(Guid alertId, bool showPhone, CancellationToken cancellationToken) =>
        database.RunAsync<IReadOnlyList<ResidentReportView>>(async (connection, ct) =>
        {
            await using var query = connection.Command("SELECT created_at, category, text, phone, photo_url FROM resident_reports WHERE alert_id = $alert ORDER BY created_at, rowid;")
                .With("$alert", alertId.ToString());
            return await query.ListAsync(r =>
            {
                var phone = r.IsDBNull(3) ? null : r.GetString(3);
                return new ResidentReportView(
                    DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(0)), r.GetString(1), r.GetString(2),
                    phone is null || showPhone ? phone : MaskPhone(phone), phone is not null && !showPhone, r.IsDBNull(4) ? null : r.GetString(4));
            }, ct).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>A phone number with its middle hidden: 138****8000 (the usual Chinese masking), short numbers all but two digits.</summary>
    public static string MaskPhone(string phone)
    {
        var digits = phone.Where(char.IsAsciiDigit).ToArray();
        var (head, tail) = digits.Length >= 9 ? (3, 4) : (0, Math.Min(2, digits.Length));
        return string.Concat(new string(digits, 0, head), new string('*', digits.Length - head - tail), new string(digits, digits.Length - tail, tail));
    }

    private TimeSpan? TooMany(string site, string place, DateTimeOffset now)
    {
        lock (_recentGate)
        {
            var key = $"{site}/{place}";
            if (!_recentByPlace.TryGetValue(key, out var recent))
            {
                _recentByPlace[key] = recent = new Queue<DateTimeOffset>();
            }

            while (recent.Count > 0 && now - recent.Peek() >= TimeSpan.FromHours(1))
            {
                recent.Dequeue();
            }

            if (recent.Count >= MaxPerPlacePerHour)
            {
                return recent.Peek() + TimeSpan.FromHours(1) - now;
            }

            recent.Enqueue(now);
            return null;
        }
    }

    private static ResidentReportResult Invalid(string field, string problem) => new(ResidentReportOutcome.Invalid, Field: field, Problem: problem);

    private static string Hash(string tracking) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(tracking)));
}
