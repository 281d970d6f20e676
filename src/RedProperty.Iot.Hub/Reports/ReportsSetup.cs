using RedProperty.Iot.Hub.Configuration;

namespace RedProperty.Iot.Hub.Reports;

public static class ReportsSetup
{
    /// <summary>The monthly service-quality figures (<c>Reports:*</c>) and the service that closes each month and publishes it.</summary>
    public static IServiceCollection AddReports(this IServiceCollection services)
    {
        services.AddCheckedOptions<ReportOptions, ReportOptionsValidator>(ReportOptions.Section);
        services.AddSingleton<SiteReports>();
        services.AddHostedService<MonthlyReportService>();
        return services;
    }
}
