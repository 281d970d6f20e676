using InfluxDB.Client;
using InfluxDB.Client.Api.Domain;
using InfluxDB.Client.Core.Exceptions;
using Microsoft.Extensions.Options;
using RedProperty.Iot.Hub.Configuration;

namespace RedProperty.Iot.Hub.TimeSeries.Sinks;

/// <summary>InfluxDB 2.x, 3.x, Cloud and 1.8+ through InfluxDB.Client's v2 write API (org, bucket, token).</summary>
public sealed class InfluxV2Sink : ITimeSeriesSink, IDisposable
{
    private readonly InfluxDBClient _client;
    private readonly WriteApiAsync _writeApi;
    private readonly string _org;
    private readonly string _bucket;

    public InfluxV2Sink(IOptions<InfluxOptions> options)
    {
        var o = options.Value;
        var clientOptions = new InfluxDBClientOptions(o.Url!)
        {
            Token = o.Token ?? string.Empty,
            Org = o.Org,
            Bucket = o.Bucket,
            Timeout = TimeSpan.FromMilliseconds(o.TimeoutMs),
        };
        _client = new InfluxDBClient(clientOptions);
        _writeApi = _client.GetWriteApiAsync();
        _org = o.Org!;
        _bucket = o.Bucket!;
        Description = $"InfluxDB v2 API {o.Url} org {o.Org} bucket {o.Bucket}";
    }

    public string Description { get; }

    public async Task<SinkWriteResult> WriteAsync(LineBatch lines, CancellationToken cancellationToken)
    {
        try
        {
            // InfluxDB.Client takes lines as strings only.
            await _writeApi.WriteRecordsAsync(lines.ToStrings(), WritePrecision.Ms, _bucket, _org, cancellationToken).ConfigureAwait(false);
            return SinkWriteResult.Written;
        }
        catch (HttpException ex)
        {
            return new SinkWriteResult(SinkStatusCodes.Classify(ex.Status), $"{ex.Status} {ex.Message}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or TimeoutException or IOException
                                   && !cancellationToken.IsCancellationRequested)
        {
            return new SinkWriteResult(SinkWriteOutcome.Unavailable, ex.Message);
        }
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _client.PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public void Dispose() => _client.Dispose();
}
