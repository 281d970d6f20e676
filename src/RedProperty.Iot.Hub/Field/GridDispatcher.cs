using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Alerts;
using RedProperty.Iot.Hub.Staff;

namespace RedProperty.Iot.Hub.Field;

/// <summary>
/// Dispatch as the hub does it: a copy of who may act where and when (staff accounts with their zones and the
/// desk's on/off duty, the weekly rosters of <c>Field:Roster</c>), renewed whenever an account changes, so the
/// alert service chooses in memory within the change that raises an alert.
/// </summary>
public sealed partial class GridDispatcher : IAlertDispatcher, IHostedService
{
    private readonly StaffDirectory _directory;
    private readonly DeviceRegistry _registry;
    private readonly ILogger<GridDispatcher> _logger;
    private readonly Dictionary<string, WeeklyRoster> _rosters;
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private volatile GridWorker[] _staff = [];
    private volatile (string Username, IReadOnlySet<string>? Sites, IReadOnlySet<ZoneRef> Zones)[] _supervisors = [];

    public GridDispatcher(StaffDirectory directory, DeviceRegistry registry, IOptions<FieldOptions> options, ILogger<GridDispatcher> logger)
    {
        _directory = directory;
        _registry = registry;
        _logger = logger;
        _rosters = new Dictionary<string, WeeklyRoster>(StringComparer.OrdinalIgnoreCase);
        foreach (var (username, shifts) in options.Value.Roster)
        {
            _rosters[username] = WeeklyRoster.Parse(shifts, out _);
        }

        _directory.AccountsChanged += () => _ = RefreshAsync(CancellationToken.None);
    }

    public IReadOnlyList<GridWorker> Staff => _staff;

    public string? Choose(Alert alert, DateTimeOffset now, IReadOnlyDictionary<string, int> openAssigned) =>
        _registry.SitesById.TryGetValue(alert.Site, out var site) ? Dispatch.Choose(_staff, site, alert.Zone, now, openAssigned) : null;

    /// <summary>Whether <paramref name="username"/> may be given alerts of <paramref name="site"/> (an enabled operator or supervisor covering it).</summary>
    public GridWorker? WorkerOf(string username, string site) =>
        _staff.FirstOrDefault(w => string.Equals(w.Username, username, StringComparison.OrdinalIgnoreCase) && w.CanAct && w.Covers(site));

    /// <summary>
    /// Whom an escalation of an alert in <paramref name="zone"/> is told to: the enabled supervisors who look after
    /// the zone, else every enabled supervisor covering the site (someone must hear of it).
    /// </summary>
    public IReadOnlyList<string> SupervisorsOf(string site, string zone)
    {
        var ofSite = _supervisors.Where(s => s.Sites is null || s.Sites.Contains(site)).ToArray();
        var ofZone = ofSite.Where(s => s.Zones.Contains(new ZoneRef(site, zone))).ToArray();
        return [.. (ofZone.Length > 0 ? ofZone : ofSite).Select(s => s.Username).Order(StringComparer.Ordinal)];
    }

    public bool IsOnDuty(GridWorker worker, Site site, DateTimeOffset now) => worker.IsOnDutyAt(TimeZoneInfo.ConvertTime(now, site.TimeZone).DateTime);

    public async Task StartAsync(CancellationToken cancellationToken) => await RefreshAsync(cancellationToken).ConfigureAwait(false);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Reads the accounts again (one refresh at a time, each reading the latest).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refreshing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var accounts = await _directory.ListAsync(cancellationToken).ConfigureAwait(false);
            _staff = [.. accounts.Select(a => new GridWorker(
                a.Username,
                !a.Disabled && a.Role >= StaffRole.Operator,
                a.HasAllSites ? null : a.Sites.ToHashSet(StringComparer.Ordinal),
                a.Zones.ToHashSet(),
                a.OnDuty,
                _rosters.GetValueOrDefault(a.Username) ?? WeeklyRoster.None))];
            _supervisors = [.. accounts
                .Where(a => !a.Disabled && a.Role == StaffRole.Supervisor)
                .Select(a => (a.Username, a.HasAllSites ? null : (IReadOnlySet<string>)a.Sites.ToHashSet(StringComparer.Ordinal), (IReadOnlySet<ZoneRef>)a.Zones.ToHashSet()))];
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogRefreshFailed(_logger, e);
        }
        finally
        {
            _refreshing.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Reading the staff accounts for dispatch failed; dispatch goes on with the accounts read before")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
