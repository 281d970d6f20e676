using RedProperty.Iot.Hub.Api;

namespace RedProperty.Iot.Hub.Tests.Unit;

public sealed class ReportCsvWriterTests
{
    private static readonly DateTimeOffset From = new(2026, 11, 1, 0, 0, 0, TimeSpan.FromHours(8));

    [Theory]
    [InlineData("=1+1")]
    [InlineData("+1")]
    [InlineData("-1+1")]
    [InlineData("@SUM(1)")]
    [InlineData("\tgrid")]
    [InlineData("\rgrid")]
    public void Text_cells_that_would_run_as_formulas_are_written_as_text(string hostile)
    {
        var csv = ReportCsvWriter.Write([new ReportRow("jiahua", hostile, From, From.AddMonths(1), "charging.flyingWireIncidents", hostile, 1)]);

        var row = csv.Split("\r\n")[1];
        Assert.StartsWith($"jiahua,\"'{hostile}\",", row, StringComparison.Ordinal);
        Assert.EndsWith($",charging.flyingWireIncidents,\"'{hostile}\",1", row, StringComparison.Ordinal);
    }

    [Fact]
    public void Numbers_stay_numbers_even_when_negative()
    {
        var csv = ReportCsvWriter.Write([new ReportRow("jiahua", "grid-1", From, From.AddMonths(1), "alerts.meanMinutesToAcknowledge", string.Empty, -1.5)]);

        Assert.EndsWith(",alerts.meanMinutesToAcknowledge,,-1.5", csv.Split("\r\n")[1], StringComparison.Ordinal);
    }
}
