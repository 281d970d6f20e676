namespace RedProperty.Iot.Hub.Staff;

/// <summary>Account changes in the hub's log, beside the <c>staff_audit</c> table the directory writes.</summary>
public static partial class StaffAudit
{
    public static void Log(HttpContext http, IEnumerable<StaffAuditEntry> changes)
    {
        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StaffAudit));
        foreach (var change in changes)
        {
            LogChange(logger, change.Username, change.Action, change.Detail, change.Actor, ClientAddress.Of(http));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Staff account '{Username}': {Action} {Detail} (by '{Actor}' from {Address})")]
    private static partial void LogChange(ILogger logger, string username, string action, string detail, string actor, string address);
}
