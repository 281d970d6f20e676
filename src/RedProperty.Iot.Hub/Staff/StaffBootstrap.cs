using Microsoft.Extensions.Options;

namespace RedProperty.Iot.Hub.Staff;

/// <summary>On first run (no staff account yet) creates the supervisor named in <c>Staff:BootstrapAdmin</c>.</summary>
public sealed partial class StaffBootstrap(StaffDirectory staff, IOptions<StaffOptions> options, ILogger<StaffBootstrap> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (await staff.AnyAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var admin = options.Value.BootstrapAdmin;
        if (string.IsNullOrWhiteSpace(admin.Username) || string.IsNullOrEmpty(admin.Password))
        {
            LogNoStaff(logger);
            return;
        }

        await staff.CreateAsync(admin.Username, admin.Username, admin.Password, StaffRole.Supervisor, [StaffAccount.AllSites], "Staff:BootstrapAdmin", cancellationToken).ConfigureAwait(false);
        LogCreated(logger, admin.Username);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "No staff account exists and Staff:BootstrapAdmin is not set: nobody can sign in to the desk or the API")]
    private static partial void LogNoStaff(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the first supervisor account '{Username}' from Staff:BootstrapAdmin (all sites)")]
    private static partial void LogCreated(ILogger logger, string username);
}
