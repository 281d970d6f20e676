namespace RedProperty.Iot.Hub.Storage;

/// <summary>When each device was last heard, written now and then, so that after a restart a device silent since before it is still found silent.</summary>
public sealed class DeviceSeenStore(HubDatabase database)
{
    /// <summary>Records the times in one transaction; a time older than the stored one leaves it.</summary>
    public Task RecordDeviceSeenAsync(IEnumerable<(string Site, string Device, DateTimeOffset LastSeen)> seen, CancellationToken cancellationToken = default) =>
        database.InTransactionAsync(async (transaction, ct) =>
        {
            foreach (var (site, device, lastSeen) in seen)
            {
                await using var upsert = transaction.Command("INSERT INTO device_seen (site, device, last_seen_at) VALUES ($site, $device, $at) ON CONFLICT(site, device) DO UPDATE SET last_seen_at = MAX(last_seen_at, $at);")
                    .With("$site", site)
                    .With("$device", device)
                    .With("$at", lastSeen.ToUnixTimeMilliseconds());
                await upsert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
        }, cancellationToken);

    /// <summary>Every device's last-seen time, by its user name (<c>site/device</c>).</summary>
    public Task<IReadOnlyDictionary<string, DateTimeOffset>> DevicesSeenAsync(CancellationToken cancellationToken = default) =>
        database.RunAsync<IReadOnlyDictionary<string, DateTimeOffset>>(async (connection, ct) =>
        {
            await using var query = connection.Command("SELECT site, device, last_seen_at FROM device_seen;");
            var rows = await query.ListAsync(r => (Name: $"{r.GetString(0)}/{r.GetString(1)}", At: SqliteCommands.Time(r.GetInt64(2))), ct).ConfigureAwait(false);
            var seen = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            foreach (var (name, at) in rows)
            {
                seen[name] = at;
            }

            return seen;
        }, cancellationToken);
}
