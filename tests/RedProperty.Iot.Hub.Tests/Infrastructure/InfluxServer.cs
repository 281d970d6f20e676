using System.Text.Json;

namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>Debian's influxd 1.6 (HTTP <c>/write</c> and <c>/query</c>) on a free loopback port.</summary>
public sealed class InfluxServer : ExternalServer
{
    public InfluxServer()
        : base("influxd")
    {
        RpcPort = FreePort.Next();
        ConfigPath = Path.Combine(DataDir, "influxdb.conf");
        File.WriteAllText(ConfigPath, $"""
            reporting-disabled = true
            bind-address = "127.0.0.1:{RpcPort}"
            [meta]
              dir = "{DataDir}/meta"
            [data]
              dir = "{DataDir}/data"
              wal-dir = "{DataDir}/wal"
              query-log-enabled = false
            [http]
              bind-address = "127.0.0.1:{Port}"
              log-enabled = false
            [monitor]
              store-enabled = false
            [continuous_queries]
              enabled = false
            """);
    }

    public const string Database = "rp";

    public int RpcPort { get; }

    public string ConfigPath { get; }

    protected override string Executable => "/usr/bin/influxd";

    protected override IEnumerable<string> Arguments => ["-config", ConfigPath];

    protected override string ReadinessPath => "/ping";

    protected override async Task OnStartedAsync(HttpClient http) => await QueryAsync($"CREATE DATABASE {Database}", http);

    /// <summary>Runs InfluxQL through <c>/query</c> and returns the parsed JSON.</summary>
    public async Task<JsonDocument> QueryAsync(string influxQl, HttpClient? http = null)
    {
        var client = http ?? new HttpClient();
        try
        {
            using var content = new FormUrlEncodedContent(new Dictionary<string, string> { ["q"] = influxQl, ["db"] = Database, ["epoch"] = "ms" });
            using var response = await client.PostAsync(new Uri(Url, "/query"), content);
            response.EnsureSuccessStatusCode();
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        }
        finally
        {
            if (http is null)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>The rows of the first series as dictionaries column → value (empty when there is none).</summary>
    public async Task<IReadOnlyList<Dictionary<string, JsonElement>>> RowsAsync(string influxQl)
    {
        using var document = await QueryAsync(influxQl);
        var result = document.RootElement.GetProperty("results")[0];
        if (result.TryGetProperty("error", out var error))
        {
            throw new InvalidOperationException($"InfluxQL error: {error}");
        }

        if (!result.TryGetProperty("series", out var series))
        {
            return [];
        }

        var rows = new List<Dictionary<string, JsonElement>>();
        foreach (var serie in series.EnumerateArray())
        {
            var columns = serie.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToArray();
            foreach (var values in serie.GetProperty("values").EnumerateArray())
            {
                var row = new Dictionary<string, JsonElement>();
                var i = 0;
                foreach (var value in values.EnumerateArray())
                {
                    row[columns[i++]] = value.Clone();
                }

                rows.Add(row);
            }
        }

        return rows;
    }

    /// <summary>COUNT of a field over a measurement (0 when the measurement does not exist yet).</summary>
    public async Task<long> CountAsync(string measurement, string field, string? where = null)
    {
        var rows = await RowsAsync($"SELECT count(\"{field}\") FROM \"{measurement}\"{(where is null ? string.Empty : " WHERE " + where)}");
        return rows.Count == 0 ? 0 : rows[0]["count"].GetInt64();
    }
}
