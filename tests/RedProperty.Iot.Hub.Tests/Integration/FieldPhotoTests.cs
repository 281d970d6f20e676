using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RedProperty.Iot.Hub.Field;
using RedProperty.Iot.Hub.Tests.Infrastructure;
using SkiaSharp;

namespace RedProperty.Iot.Hub.Tests.Integration;

/// <summary>
/// Photos from the field: the worker's on resolving, the resident's with a report. Kept as evidence, scaled and
/// stripped of what the phone wrote into them; anything that is not a picture, or too large, is refused with why.
/// The resident's call-back number is whole only for the alert's assigned worker.
/// </summary>
public sealed class FieldPhotoTests : IDisposable
{
    // What a phone writes into its JPEGs (EXIF, with where the photo was taken): it must not be kept.
    private const string PhoneMetadata = "GPS 31.2304N 121.4737E Xiaomi-13-owner";

    private readonly string _workDir = Directory.CreateTempSubdirectory("rp-test-").FullName;

    public void Dispose() => Directory.Delete(_workDir, recursive: true);

    private static string Token(string url) => url[(url.LastIndexOf('/') + 1)..];

    /// <summary>A JPEG of the given size as a phone sends it: an APP1 (EXIF) segment right after the start marker.</summary>
    internal static byte[] PhoneJpeg(int width, int height, SKColor color)
    {
        using var surface = SKSurface.Create(new SKImageInfo(width, height));
        surface.Canvas.Clear(color);
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Jpeg, 90);
        var jpeg = data.ToArray();
        var exif = Encoding.ASCII.GetBytes("Exif\0\0" + PhoneMetadata);
        var length = exif.Length + 2;
        return [.. jpeg[..2], 0xFF, 0xE1, (byte)(length >> 8), (byte)length, .. exif, .. jpeg[2..]];
    }

    private static ByteArrayContent Image(byte[] bytes, string type = "image/jpeg") => new(bytes) { Headers = { ContentType = new MediaTypeHeaderValue(type) } };

    [Fact]
    public async Task A_worker_photo_is_kept_scaled_and_without_the_phones_metadata_and_a_retry_changes_nothing()
    {
        await using var hub = await HubHost.StartAsync(new Dictionary<string, string?> { ["Hub:Registry"] = TestRegistry.Write(_workDir), ["Influx:Version"] = "none" });
        var id = await ResidentAlertAsync(hub, "light_out");
        var upload = PhoneJpeg(3200, 2400, SKColors.SteelBlue);
        Assert.Contains(PhoneMetadata, Encoding.ASCII.GetString(upload), StringComparison.Ordinal);

        var sent = await hub.Http.PostAsync($"/api/alerts/{id}/photo", Image(upload));
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        var url = (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("photoUrl").GetString()!;
        var alert = await hub.GetJsonAsync($"/api/alerts/{id}");
        Assert.Equal(url, alert.GetProperty("alert").GetProperty("photoUrl").GetString());
        var seq = alert.GetProperty("alert").GetProperty("seq").GetInt64();

        var stored = await hub.Http.GetByteArrayAsync(url);
        using (var codec = SKCodec.Create(SKData.CreateCopy(stored)))
        {
            Assert.Equal((SKEncodedImageFormat.Jpeg, FieldPhotos.LongEdge, 1200), (codec.EncodedFormat, codec.Info.Width, codec.Info.Height));
        }

        Assert.DoesNotContain(PhoneMetadata, Encoding.ASCII.GetString(stored), StringComparison.Ordinal);
        Assert.DoesNotContain("Exif", Encoding.ASCII.GetString(stored), StringComparison.Ordinal);

        // A phone on a weak connection sends the same photo again: the same file, nothing new announced.
        var again = await hub.Http.PostAsync($"/api/alerts/{id}/photo", Image(upload));
        Assert.Equal(url, (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("photoUrl").GetString());
        Assert.Equal(seq, (await hub.GetJsonAsync($"/api/alerts/{id}")).GetProperty("alert").GetProperty("seq").GetInt64());

        // The same photo as a form's field, as the phone page sends it, is the same file too.
        using var form = new MultipartFormDataContent { { Image(upload), "photo", "photo.jpg" } };
        Assert.Equal(url, (await (await hub.Http.PostAsync($"/api/alerts/{id}/photo", form)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("photoUrl").GetString());

        // Nobody without a login sees it.
        using var anonymous = new HttpClient { BaseAddress = hub.HttpUrl };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(url)).StatusCode);
    }

    [Fact]
    public async Task Uploads_that_are_not_pictures_or_too_large_are_refused_with_why_and_change_nothing()
    {
        await using var hub = await HubHost.StartAsync(new Dictionary<string, string?> { ["Hub:Registry"] = TestRegistry.Write(_workDir), ["Influx:Version"] = "none" });
        var id = await ResidentAlertAsync(hub, "other");

        async Task RefusedAsync(HttpContent content, HttpStatusCode status, string words)
        {
            var answer = await hub.Http.PostAsync($"/api/alerts/{id}/photo", content);
            Assert.Equal(status, answer.StatusCode);
            Assert.Contains(words, await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A script named as a JPEG, a PDF, a GIF (not a photo format taken), an empty body, a JPEG cut short.
        await RefusedAsync(Image("<script>alert(1)</script>"u8.ToArray()), HttpStatusCode.UnsupportedMediaType, "Not a photo");
        await RefusedAsync(Image("%PDF-1.7\n%\u00e2\u00e3"u8.ToArray(), "image/png"), HttpStatusCode.UnsupportedMediaType, "JPEG, PNG or WebP");
        await RefusedAsync(Image(Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///ywAAAAAAQABAAACAUwAOw=="), "image/gif"), HttpStatusCode.UnsupportedMediaType, "JPEG, PNG or WebP");
        await RefusedAsync(Image([]), HttpStatusCode.UnsupportedMediaType, "empty");
        var whole = PhoneJpeg(800, 600, SKColors.Orange);
        await RefusedAsync(Image(whole[..(whole.Length / 3)]), HttpStatusCode.UnsupportedMediaType, "could not be read");
        // A text body, and a form without the photo.
        await RefusedAsync(JsonContent.Create(new { photo = "data:image/jpeg;base64,AAAA" }), HttpStatusCode.UnsupportedMediaType, "Content-Type: image/jpeg");
        await RefusedAsync(new MultipartFormDataContent { { new StringContent("x"), "note" } }, HttpStatusCode.BadRequest, "photo");
        // Over the limit: refused by its length before it is read, and when it does not say its length.
        var huge = new byte[PhotoUploads.MaxRequestBytes + 1];
        whole.CopyTo(huge, 0);
        await RefusedAsync(Image(huge), HttpStatusCode.RequestEntityTooLarge, "at most 12 MB");
        var chunked = new StreamContent(new MemoryStream(huge)) { Headers = { ContentType = new MediaTypeHeaderValue("image/jpeg") } };
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/alerts/{id}/photo") { Content = chunked, Headers = { TransferEncodingChunked = true } };
        var answer = await hub.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.StatusCode);
        // A PNG claiming a huge picture in a few bytes (a decompression bomb) is refused before it is decoded.
        await RefusedAsync(Image(PngHeader(10_000, 10_000), "image/png"), HttpStatusCode.UnsupportedMediaType, "10000×10000");

        var alert = (await hub.GetJsonAsync($"/api/alerts/{id}")).GetProperty("alert");
        Assert.Equal(JsonValueKind.Null, alert.GetProperty("photoUrl").ValueKind);
        Assert.False(Directory.Exists(Path.Combine(hub.DataDir, "evidence")) && Directory.EnumerateFiles(Path.Combine(hub.DataDir, "evidence"), "*", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public async Task A_residents_photo_comes_with_the_report_and_their_number_is_whole_only_for_the_assigned_worker()
    {
        await using var hub = await HubHost.StartAsync(new Dictionary<string, string?> { ["Hub:Registry"] = TestRegistry.Write(_workDir), ["Influx:Version"] = "none" });
        foreach (var name in new[] { "wang", "li" })
        {
            Assert.Equal(HttpStatusCode.Created, (await hub.Http.PostAsJsonAsync("/api/staff", new { username = name, displayName = name, password = $"{name}-password", role = "operator", sites = new[] { TestRegistry.Site } })).StatusCode);
        }

        (await hub.Http.PatchAsJsonAsync("/api/staff/wang", new { zones = new[] { $"{TestRegistry.Site}/grid-2" }, duty = "on" })).EnsureSuccessStatusCode();
        var resident = await ResidentTokenAsync(hub);
        using var anonymous = new HttpClient { BaseAddress = hub.HttpUrl };

        // Refused photos refuse the report, and say why: nothing is raised.
        using (var notAPhoto = ReportForm(resident, "light_out", "138 0013 8000", "GIF89a not really"u8.ToArray()))
        {
            var refused = await anonymous.PostAsync("/api/resident-reports", notAPhoto);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, refused.StatusCode);
            Assert.Contains("Not a photo", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var tooLarge = new HttpRequestMessage(HttpMethod.Post, "/api/resident-reports") { Content = ReportForm(resident, "light_out", null, new byte[PhotoUploads.MaxRequestBytes + 1]) };
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await anonymous.SendAsync(tooLarge)).StatusCode);
        // A JSON report is text only: a large one is refused before it is read.
        var bloated = await anonymous.PostAsync("/api/resident-reports", new StringContent($$"""{"place":"{{resident}}","category":"other","text":"{{new string('x', 70_000)}}"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, bloated.StatusCode);
        Assert.Equal(0, (await hub.GetJsonAsync("/api/alerts?state=open&type=resident_report")).GetArrayLength());

        using (var report = ReportForm(resident, "light_out", "138 0013 8000", PhoneJpeg(1200, 1600, SKColors.DarkSlateGray)))
        {
            Assert.Equal(HttpStatusCode.Created, (await anonymous.PostAsync("/api/resident-reports", report)).StatusCode);
        }

        var alert = Assert.Single((await hub.GetJsonAsync("/api/alerts?state=open&type=resident_report")).EnumerateArray());
        var id = alert.GetProperty("id").GetString()!;
        Assert.Equal("wang", alert.GetProperty("assignedTo").GetString());
        var photoUrl = alert.GetProperty("residentPhotoUrl").GetString()!;
        var stored = await hub.Http.GetByteArrayAsync(photoUrl);
        Assert.DoesNotContain(PhoneMetadata, Encoding.ASCII.GetString(stored), StringComparison.Ordinal);
        // The number travels with no alert view, desk message or tracking page.
        Assert.DoesNotContain("8000", alert.GetRawText(), StringComparison.Ordinal);

        async Task<JsonElement> ReportsAsAsync(string user)
        {
            using var client = new HttpClient { BaseAddress = hub.HttpUrl };
            client.DefaultRequestHeaders.Authorization = new("Bearer", await hub.TokenAsync(user, $"{user}-password"));
            return Assert.Single((await client.GetFromJsonAsync<JsonElement>($"/api/alerts/{id}/resident-reports")).EnumerateArray());
        }

        var forWang = await ReportsAsAsync("wang");
        Assert.Equal(("138 0013 8000", false, photoUrl, "light_out"), (forWang.GetProperty("phone").GetString(), forWang.GetProperty("phoneMasked").GetBoolean(), forWang.GetProperty("photoUrl").GetString(), forWang.GetProperty("category").GetString()));
        var forLi = await ReportsAsAsync("li");
        Assert.Equal(("138****8000", true), (forLi.GetProperty("phone").GetString(), forLi.GetProperty("phoneMasked").GetBoolean()));
        var forDesk = Assert.Single((await hub.GetJsonAsync($"/api/alerts/{id}/resident-reports")).EnumerateArray());
        Assert.Equal("138****8000", forDesk.GetProperty("phone").GetString());

        // Reassigned to li: now li sees it whole, and wang no longer does.
        (await hub.Http.PostAsJsonAsync($"/api/alerts/{id}/assign", new { to = "li" })).EnsureSuccessStatusCode();
        Assert.Equal("138 0013 8000", (await ReportsAsAsync("li")).GetProperty("phone").GetString());
        Assert.Equal("138****8000", (await ReportsAsAsync("wang")).GetProperty("phone").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/alerts/{id}/resident-reports")).StatusCode);
    }

    [Theory]
    [InlineData("138 0013 8000", "138****8000")]
    [InlineData("+86 138-0013-8000", "861******8000")]
    [InlineData("62345", "***45")]
    public void Phone_numbers_are_masked_in_the_middle(string phone, string masked) => Assert.Equal(masked, ResidentReports.MaskPhone(phone));

    private static MultipartFormDataContent ReportForm(string place, string category, string? phone, byte[] photo)
    {
        var form = new MultipartFormDataContent { { new StringContent(place), "place" }, { new StringContent(category), "category" }, { new StringContent("楼道灯不亮"), "text" } };
        if (phone is not null)
        {
            form.Add(new StringContent(phone), "phone");
        }

        form.Add(Image(photo), "photo", "photo.jpg");
        return form;
    }

    private static async Task<string> ResidentTokenAsync(HubHost hub)
    {
        var places = (await hub.GetJsonAsync($"/api/places?site={TestRegistry.Site}")).EnumerateArray().ToDictionary(p => p.GetProperty("id").GetString()!);
        return Token(places[TestRegistry.CorridorPlace].GetProperty("residentUrl").GetString()!);
    }

    private static async Task<string> ResidentAlertAsync(HubHost hub, string category)
    {
        using var anonymous = new HttpClient { BaseAddress = hub.HttpUrl };
        (await anonymous.PostAsJsonAsync("/api/resident-reports", new { place = await ResidentTokenAsync(hub), category })).EnsureSuccessStatusCode();
        return Assert.Single((await hub.GetJsonAsync("/api/alerts?state=open&type=resident_report")).EnumerateArray()).GetProperty("id").GetString()!;
    }

    /// <summary>A small PNG that claims a picture of the given size: its header, and a first row of pixel data.</summary>
    private static byte[] PngHeader(int width, int height)
    {
        byte[] header = [(byte)(width >> 24), (byte)(width >> 16), (byte)(width >> 8), (byte)width, (byte)(height >> 24), (byte)(height >> 16), (byte)(height >> 8), (byte)height, 8, 6, 0, 0, 0];
        using var compressed = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(compressed, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
        {
            zlib.Write(new byte[(width * 4) + 1]);
        }

        return [137, 80, 78, 71, 13, 10, 26, 10, .. Chunk("IHDR", header), .. Chunk("IDAT", compressed.ToArray()), .. Chunk("IEND", [])];
    }

    private static byte[] Chunk(string type, byte[] data)
    {
        byte[] typed = [.. Encoding.ASCII.GetBytes(type), .. data];
        var crc = System.IO.Hashing.Crc32.HashToUInt32(typed);
        return [(byte)(data.Length >> 24), (byte)(data.Length >> 16), (byte)(data.Length >> 8), (byte)data.Length, .. typed, (byte)(crc >> 24), (byte)(crc >> 16), (byte)(crc >> 8), (byte)crc];
    }
}
