using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RedProperty.Iot.Hub.Tests.Infrastructure;
using Xunit.Abstractions;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>
/// Wrong logins against the real hub from several loopback addresses (127.0.0.x, as the hub sees them; it
/// trusts no forwarded header): throttled, never locking the owner out, answered alike for every name, and
/// unable to jam the logins of others.
/// </summary>
public sealed class LoginAbuseTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<HttpClient> _clients = [];
    private string _workDir = null!;
    private HubHost _hub = null!;

    public async Task InitializeAsync()
    {
        _workDir = Directory.CreateTempSubdirectory("rp-login-").FullName;
        _hub = await HubHost.StartAsync(new Dictionary<string, string?>
        {
            ["Hub:Registry"] = TestRegistry.Write(_workDir),
            ["Influx:Version"] = "none",
        });
        foreach (var (username, role) in new[] { ("op", "operator"), ("off", "viewer") })
        {
            var created = await _hub.Http.PostAsJsonAsync("/api/staff", new { username, displayName = username, password = $"{username}-password", role, sites = new[] { TestRegistry.Site } });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await _hub.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }

    private HttpClient From(string address, int maxConnections = 16)
    {
        var client = LoopbackClient.Create(_hub.HttpUrl, address, maxConnections);
        _clients.Add(client);
        return client;
    }

    private static async Task<(HttpStatusCode Status, string? RetryAfter)> AttemptAsync(HttpClient client, string username, string password)
    {
        using var response = await client.TokenAsync(username, password);
        return (response.StatusCode, response.Headers.RetryAfter?.ToString());
    }

    private static async Task<(HttpStatusCode Status, string? RetryAfter)[]> AttemptsAsync(HttpClient client, string username, int count)
    {
        var results = new (HttpStatusCode, string?)[count];
        for (var i = 0; i < count; i++)
        {
            results[i] = await AttemptAsync(client, username, $"guess-{i}");
        }

        return results;
    }

    [Fact]
    public async Task Wrong_passwords_from_strangers_never_keep_the_owner_out_at_their_usual_address()
    {
        var usual = From("127.0.0.2");
        Assert.Equal(HttpStatusCode.OK, (await AttemptAsync(usual, "op", "op-password")).Status);

        // Guessing from five addresses: each is slowed down, and the account is now under attack.
        foreach (var stranger in new[] { "127.0.0.1", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6" })
        {
            var answers = await AttemptsAsync(From(stranger), "op", 15);
            Assert.DoesNotContain(answers, a => a.Status == HttpStatusCode.OK);
            Assert.Contains(answers, a => a.Status == HttpStatusCode.TooManyRequests);
        }

        // The owner still signs in at once where they usually do; a fresh address has to wait.
        Assert.Equal(HttpStatusCode.OK, (await AttemptAsync(usual, "op", "op-password")).Status);
        var fresh = await AttemptAsync(From("127.0.0.9"), "op", "op-password");
        Assert.Equal(HttpStatusCode.TooManyRequests, fresh.Status);
        Assert.NotNull(fresh.RetryAfter);
    }

    [Fact]
    public async Task Unknown_names_wrong_passwords_disabled_accounts_and_throttling_are_answered_alike()
    {
        Assert.Equal(HttpStatusCode.OK, (await _hub.Http.PatchAsJsonAsync("/api/staff/off", new { disabled = true })).StatusCode);
        var client = From("127.0.0.1");
        var bodies = new List<string>();
        foreach (var (username, password) in new[] { ("op", "wrong-password"), ("nobody-at-all", "wrong-password"), ("off", "off-password") })
        {
            using var response = await client.TokenAsync(username, password);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            bodies.Add(ProblemOf(await response.Content.ReadAsStringAsync()));
        }

        Assert.Single(bodies.Distinct());

        // Throttling does not tell an account from a made-up name either.
        var known = await AttemptsAsync(From("127.0.0.6"), "op", 6);
        var unknown = await AttemptsAsync(From("127.0.0.7"), "nobody-at-all", 6);
        Assert.Equal(known, unknown);
        Assert.Contains(known, a => a.Status == HttpStatusCode.TooManyRequests && a.RetryAfter is not null);
    }

    [Fact]
    public async Task Throttling_grows_with_each_wrong_password_and_never_locks_the_account()
    {
        var client = From("127.0.0.1");
        var first = await AttemptsAsync(client, "op", 4);
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], first.Select(a => a.Status).ToArray());
        var wait1 = int.Parse(first[3].RetryAfter!);

        await Task.Delay(TimeSpan.FromSeconds(wait1 + 0.3));
        Assert.Equal(HttpStatusCode.Unauthorized, (await AttemptAsync(client, "op", "still-wrong")).Status);
        var second = await AttemptAsync(client, "op", "op-password");
        Assert.Equal(HttpStatusCode.TooManyRequests, second.Status);
        var wait2 = int.Parse(second.RetryAfter!);
        Assert.True(wait2 > wait1, $"the second wait ({wait2} s) is longer than the first ({wait1} s)");

        await Task.Delay(TimeSpan.FromSeconds(wait2 + 0.3));
        Assert.Equal(HttpStatusCode.OK, (await AttemptAsync(client, "op", "op-password")).Status);
    }

    [Fact]
    public async Task Forwarded_headers_do_not_give_a_guesser_fresh_addresses()
    {
        var client = From("127.0.0.1");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/token") { Content = JsonContent.Create(new { username = "op", password = $"guess-{i}" }) };
            request.Headers.Add("X-Forwarded-For", $"203.0.113.{i + 1}");
            request.Headers.Add("X-Real-IP", $"203.0.113.{i + 1}");
            request.Headers.Add("Forwarded", $"for=203.0.113.{i + 1}");
            using var response = await client.SendAsync(request);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task A_flood_of_wrong_logins_from_one_address_does_not_keep_others_out()
    {
        // How long a login takes here, with nothing else going on.
        var baseline = TimeSpan.Zero;
        var quiet = From("127.0.0.2");
        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            Assert.Equal(HttpStatusCode.OK, (await AttemptAsync(quiet, HubHost.AdminUser, HubHost.AdminPassword)).Status);
            baseline = TimeSpan.FromTicks(Math.Max(baseline.Ticks, watch.Elapsed.Ticks));
        }

        const int Workers = 48;
        var flooder = From("127.0.0.1", Workers);
        var answers = new ConcurrentDictionary<string, int>();
        using var stop = new CancellationTokenSource();
        var flood = Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var username = n % 2 == 0 ? "op" : $"ghost-{worker}-{n}";
                string answer;
                try
                {
                    using var response = await flooder.TokenAsync(username, $"wrong-{n}", stop.Token);
                    answer = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }
                catch (HttpRequestException e)
                {
                    answer = e.GetType().Name;
                }

                answers.AddOrUpdate(answer, 1, (_, c) => c + 1);
                await Task.Delay(5);
            }
        })).ToArray();

        try
        {
            await Eventually.BecomesAsync(() => Task.FromResult(answers.Values.Sum()), n => n >= 10, TimeSpan.FromSeconds(30), "the flood under way");

            // The attacked account from an address of its own, and another account: both get in, about as fast as alone.
            foreach (var (username, password, address) in new[] { ("op", "op-password", "127.0.0.3"), (HubHost.AdminUser, HubHost.AdminPassword, "127.0.0.4") })
            {
                var watch = Stopwatch.StartNew();
                var (status, _) = await AttemptAsync(From(address), username, password);
                var took = watch.Elapsed;
                output.WriteLine($"{username} from {address}: {(int)status} in {took.TotalMilliseconds:0} ms (alone: {baseline.TotalMilliseconds:0} ms)");
                Assert.Equal(HttpStatusCode.OK, status);
                Assert.True(took < baseline * 10 + TimeSpan.FromSeconds(1), $"{username}'s login took {took.TotalMilliseconds:0} ms during the flood, {baseline.TotalMilliseconds:0} ms alone");
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(flood);
            output.WriteLine("flood answers: " + string.Join(", ", answers.OrderBy(a => a.Key).Select(a => $"{a.Key}×{a.Value}")));
        }
    }

    [Fact]
    public async Task Logins_beyond_the_hashing_bound_are_refused_at_once_with_a_retry_after()
    {
        // Forty addresses, each trying once, all at the same moment: more than the hub hashes at a time.
        var clients = Enumerable.Range(10, 40).Select(i => From($"127.0.0.{i}")).ToArray();
        await Task.WhenAll(clients.Select(c => c.GetAsync("/api/auth/antiforgery")));
        using var start = new ManualResetEventSlim();
        var attempts = clients.Select((c, i) => Task.Run(async () =>
        {
            start.Wait();
            return await AttemptAsync(c, $"nobody-{i}", "wrong-password");
        })).ToArray();
        start.Set();
        var answers = await Task.WhenAll(attempts);
        output.WriteLine(string.Join(", ", answers.GroupBy(a => a.Status).Select(g => $"{(int)g.Key}×{g.Count()}")));

        Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.Unauthorized or HttpStatusCode.ServiceUnavailable, a.ToString()));
        Assert.Contains(answers, a => a.Status == HttpStatusCode.ServiceUnavailable);
        Assert.All(answers.Where(a => a.Status == HttpStatusCode.ServiceUnavailable), a => Assert.NotNull(a.RetryAfter));
    }

    /// <summary>A problem body without its per-request trace id.</summary>
    private static string ProblemOf(string json)
    {
        var problem = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;
        problem.Remove("traceId");
        return string.Join("; ", problem.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}"));
    }
}
