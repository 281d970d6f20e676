namespace RedProperty.Iot.Domain.Reports;

/// <summary>How much each part of service quality weighs in a site's score (any positive numbers; they are normalised).</summary>
public sealed record ScoreWeights(double ResponseSla = 30, double OnSiteSla = 20, double CameraAvailability = 15, double DeviceAvailability = 15, double LampRepair = 10, double FlyingWire = 10);

/// <summary>A site's score (0-100) and the parts it is made of, each 0-1 where 1 is best.</summary>
public sealed record SiteScore(string Site, double Score, IReadOnlyDictionary<string, double> Parts);

public static class ServiceScore
{
    /// <summary>
    /// Scores a site's figures: the response and on-site SLA shares, camera and device availability as
    /// they are (no alert needing a response counts as 1); lamp repair as 1 / (1 + median days to
    /// repair); flying wire as 1 / (1 + incidents per 100 devices).
    /// </summary>
    public static SiteScore Compute(SiteServiceQuality figures, int devices, ScoreWeights weights)
    {
        var incidents = figures.Charging.FlyingWireIncidentsPerZone.Values.Sum();
        var parts = new Dictionary<string, double>
        {
            ["responseSla"] = figures.Alerts.ShareAcknowledgedWithinSla ?? 1,
            ["onSiteSla"] = figures.Alerts.ShareCriticalOnSiteWithinSla ?? 1,
            ["cameraAvailability"] = figures.Cameras.SiteAvailability ?? 1,
            ["deviceAvailability"] = figures.DeviceAvailabilityByKind.Count == 0 ? 1 : figures.DeviceAvailabilityByKind.Values.Average(),
            ["lampRepair"] = figures.Lighting.MedianDaysToRepair is { } days ? 1 / (1 + days) : 1,
            ["flyingWire"] = 1 / (1 + (devices == 0 ? 0 : incidents * 100.0 / devices)),
        };
        var weighted = new[]
        {
            (weights.ResponseSla, parts["responseSla"]), (weights.OnSiteSla, parts["onSiteSla"]),
            (weights.CameraAvailability, parts["cameraAvailability"]), (weights.DeviceAvailability, parts["deviceAvailability"]),
            (weights.LampRepair, parts["lampRepair"]), (weights.FlyingWire, parts["flyingWire"]),
        };
        var total = weighted.Sum(w => w.Item1);
        var score = total <= 0 ? 0 : 100 * weighted.Sum(w => w.Item1 * w.Item2) / total;
        return new SiteScore(figures.Site, Math.Round(score, 1), parts);
    }
}
