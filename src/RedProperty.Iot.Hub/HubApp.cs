using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.Api;
using RedProperty.Iot.Hub.Broker;
using RedProperty.Iot.Hub.Cameras;
using RedProperty.Iot.Hub.Centre;
using RedProperty.Iot.Hub.Desk;
using RedProperty.Iot.Hub.EdgeIo;
using RedProperty.Iot.Hub.Field;
using RedProperty.Iot.Hub.Hosting;
using RedProperty.Iot.Hub.Ingestion;
using RedProperty.Iot.Hub.Journal;
using RedProperty.Iot.Hub.Notifications;
using RedProperty.Iot.Hub.Operations;
using RedProperty.Iot.Hub.Registry;
using RedProperty.Iot.Hub.Reports;
using RedProperty.Iot.Hub.Sites;
using RedProperty.Iot.Hub.Staff;
using RedProperty.Iot.Hub.Storage;
using RedProperty.Iot.Hub.TimeSeries;
using RedProperty.Iot.Hub.Uplink;

namespace RedProperty.Iot.Hub;

/// <summary>Builds the hub from its features; docs/architecture.md draws them and the way a message walks through them.</summary>
public static class HubApp
{
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Content root is the program's folder, so appsettings.json is found wherever the hub is started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        // Under systemd: readiness notification (Type=notify) and journald-friendly logs; nothing elsewhere.
        builder.Host.UseSystemd();
        builder.AddListeners();

        // Start order; the host stops its services in the reverse order. At start the journal's consumers
        // (the shipper, the alert pipeline) resume from their cursors before the broker (last) lets devices in.
        // At stop the broker stops taking messages first, then the inputs that raise alerts (desk, edge box,
        // cameras) go quiet, the alert pipeline and service store their last changes with the pipeline's
        // cursor; the journal, the database and the registry, which everything uses, go last.
        var configuration = builder.Configuration;
        builder.Services
            .AddOperations(configuration)
            .AddRegistry()
            .AddHubStorage()
            .AddJournal()
            .AddTimeSeries()
            .AddAlerts(configuration)
            .AddReports()
            .AddStaff(configuration)
            .AddField()
            .AddNotifications()
            .AddUplink(configuration)
            .AddCentre(configuration)
            .AddCameras()
            .AddEdgeIo(configuration)
            .AddDesk(configuration)
            .AddIngestion()
            .AddBroker(configuration);

        var app = builder.Build();

        // Fail at start, with the registry's, thresholds' and database's problems listed, rather than at the first device login.
        // The journal first: it locks its directory, so a second hub started on the same data directory stops before
        // it touches anything of the first one's.
        app.Services.GetRequiredService<IngestJournal>();
        app.Services.GetRequiredService<DeviceRegistry>();
        app.Services.GetRequiredService<SiteOwnership>();
        app.Services.GetRequiredService<HubDatabase>();
        app.Services.GetRequiredService<PlaceStickers>();
        app.Services.CheckWebhookSites();
        app.CheckAlertSettings();

        app.UseExceptionHandler();
        app.UseSecurityHeaders();
        app.UseStatusCodePages();
        app.UseWebSockets();
        app.UseAuthentication();
        app.UseDeskScreen();
        app.UseRateLimiter();
        app.UseStaffAntiforgery();
        app.UseAuthorization();

        app.MapBroker();
        app.MapOperations();
        app.MapApi();
        app.MapField();
        app.MapCentre();
        app.MapDesk();
        return app;
    }
}
