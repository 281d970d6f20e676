using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using RedProperty.Iot.Domain.Reports;

namespace RedProperty.Iot.Hub.Reports;

/// <summary><c>Reports:*</c>: the score's weights, how many sites the red and black lists name, and the monthly snapshot.</summary>
public sealed class ReportOptions : IValidatableObject
{
    public const string Section = "Reports";

    public ScoreWeightsOptions Weights { get; set; } = new();

    public int ListSize { get; set; } = 3;

    public MonthlySnapshotOptions MonthlySnapshot { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var w = Weights.ToWeights();
        double[] weights = [w.ResponseSla, w.OnSiteSla, w.CameraAvailability, w.DeviceAvailability, w.LampRepair, w.FlyingWire];
        if (!weights.All(x => x >= 0 && double.IsFinite(x)) || weights.Sum() <= 0)
        {
            yield return new ValidationResult("Reports:Weights must be 0 or more each, and not all 0", [nameof(Weights)]);
        }

        if (ListSize < 0)
        {
            yield return new ValidationResult("Reports:ListSize must be 0 or more", [nameof(ListSize)]);
        }

        if (MonthlySnapshot.Delay < TimeSpan.Zero || MonthlySnapshot.Delay >= TimeSpan.FromDays(1))
        {
            yield return new ValidationResult("Reports:MonthlySnapshot:Delay must be from 00:00:00 to under 1.00:00:00", [nameof(MonthlySnapshot)]);
        }

        if (MonthlySnapshot.RetryEvery < TimeSpan.FromSeconds(1))
        {
            yield return new ValidationResult("Reports:MonthlySnapshot:RetryEvery must be at least 00:00:01", [nameof(MonthlySnapshot)]);
        }
    }

    public sealed class ScoreWeightsOptions
    {
        public double ResponseSla { get; set; } = 30;

        public double OnSiteSla { get; set; } = 20;

        public double CameraAvailability { get; set; } = 15;

        public double DeviceAvailability { get; set; } = 15;

        public double LampRepair { get; set; } = 10;

        public double FlyingWire { get; set; } = 10;

        public ScoreWeights ToWeights() => new(ResponseSla, OnSiteSla, CameraAvailability, DeviceAvailability, LampRepair, FlyingWire);
    }

    public sealed class MonthlySnapshotOptions
    {
        public bool Enabled { get; set; } = true;

        /// <summary>How long after midnight on the 1st (site time) the month is closed, so the last minutes' readings are in.</summary>
        public TimeSpan Delay { get; set; } = TimeSpan.FromMinutes(10);

        /// <summary>How often an unpublished report is offered to the broker again (external broker down).</summary>
        public TimeSpan RetryEvery { get; set; } = TimeSpan.FromSeconds(30);
    }
}

[OptionsValidator]
public sealed partial class ReportOptionsValidator : IValidateOptions<ReportOptions>;
