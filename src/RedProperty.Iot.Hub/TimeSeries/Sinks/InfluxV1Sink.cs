using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Configuration;

namespace RedProperty.Iot.Hub.TimeSeries.Sinks;

/// <summary>
/// InfluxDB 1.x (and the v1-compatible endpoints of 2.x/3.x): POST line protocol to
/// <c>/write?db=…&amp;precision=ms</c>, basic authentication when a user name is set.
/// </summary>
public sealed class InfluxV1Sink : ITimeSeriesSink
{
    private static readonly MediaTypeHeaderValue PlainText = new("text/plain") { CharSet = "utf-8" };

    private readonly HttpClient _http;
    private readonly string _writePath;

    public InfluxV1Sink(HttpClient http, IOptions<InfluxOptions> options)
    {
        var o = options.Value;
        _http = http;
        _http.BaseAddress = new Uri(o.Url!.TrimEnd('/') + "/");
        _http.Timeout = TimeSpan.FromMilliseconds(o.TimeoutMs);
        if (!string.IsNullOrEmpty(o.Username))
        {
            var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{o.Username}:{o.Password}"));
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", credentials);
        }

        _writePath = $"write?db={Uri.EscapeDataString(o.Database!)}&precision=ms";
        Description = $"InfluxDB v1 {o.Url} database {o.Database}";
    }

    public string Description { get; }

    public async Task<SinkWriteResult> WriteAsync(LineBatch lines, CancellationToken cancellationToken)
    {
        using var content = new ReadOnlyMemoryContent(lines.Body);
        content.Headers.ContentType = PlainText;
        try
        {
            using var response = await _http.PostAsync(_writePath, content, cancellationToken).ConfigureAwait(false);
            var outcome = SinkStatusCodes.Classify((int)response.StatusCode);
            if (outcome == SinkWriteOutcome.Written)
            {
                return SinkWriteResult.Written;
            }

            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return new SinkWriteResult(outcome, $"{(int)response.StatusCode} {Truncate(body)}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new SinkWriteResult(SinkWriteOutcome.Unavailable, ex.Message);
        }
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync("ping", cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static string Truncate(string text) => text.Length <= 300 ? text.Trim() : text[..300];
}
