using RedProperty.Iot.Reports;

namespace RedProperty.Iot.Hub.Reports;

/// <summary><c>Reports:*</c>: the score's weights, how many sites the red and black lists name, and the monthly snapshot.</summary>
public sealed class ReportOptions
{
    public const string Section = "Reports";

    public ScoreWeightsOptions Weights { get; set; } = new();

    public int ListSize { get; set; } = 3;

    public MonthlySnapshotOptions MonthlySnapshot { get; set; } = new();

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
