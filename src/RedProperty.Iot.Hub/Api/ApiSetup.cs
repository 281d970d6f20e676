using RedProperty.Iot.Hub.Cameras;
using RedProperty.Iot.Hub.Staff;

namespace RedProperty.Iot.Hub.Api;

public static class ApiSetup
{
    /// <summary>The REST API under <c>/api</c>: devices, alerts, staff and their logins, sites, evidence, reports.</summary>
    public static IEndpointRouteBuilder MapApi(this IEndpointRouteBuilder app)
    {
        app.MapDeviceEndpoints();
        app.MapAlertEndpoints();
        app.MapAuthEndpoints();
        app.MapStaffEndpoints();
        app.MapAntiforgeryEndpoint();
        app.MapSiteEndpoints();
        app.MapEvidenceEndpoint();
        app.MapReportEndpoints();
        return app;
    }
}
