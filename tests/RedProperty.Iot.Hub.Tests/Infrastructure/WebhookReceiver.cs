using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace RedProperty.Iot.Hub.Tests.Infrastructure;

/// <summary>A property company's webhook receiver in the test: a real HTTP server on loopback that records every request.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _failNext;

    private WebhookReceiver(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public sealed record Request(string Event, long Delivery, long Timestamp, string Signature, string Body, int Status);

    public Uri Url { get; }

    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>Answers the next <paramref name="count"/> requests with 500.</summary>
    public void FailNext(int count) => Interlocked.Exchange(ref _failNext, count);

    public static async Task<WebhookReceiver> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        WebhookReceiver? receiver = null;
        app.MapPost("/hooks/rp", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            var status = Interlocked.Decrement(ref receiver!._failNext) >= 0 ? StatusCodes.Status500InternalServerError : StatusCodes.Status204NoContent;
            receiver.Requests.Enqueue(new Request(
                request.Headers["X-RedProperty-Event"].ToString(),
                long.Parse(request.Headers["X-RedProperty-Delivery"].ToString(), System.Globalization.CultureInfo.InvariantCulture),
                long.Parse(request.Headers["X-RedProperty-Timestamp"].ToString(), System.Globalization.CultureInfo.InvariantCulture),
                request.Headers["X-RedProperty-Signature"].ToString(),
                body,
                status));
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        var address = new Uri(app.Urls.First());
        receiver = new WebhookReceiver(app, new Uri(address, "/hooks/rp"));
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
