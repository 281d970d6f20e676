using Microsoft.AspNetCore.Http.Features;

namespace RedProperty.Iot.Hub.Field;

/// <summary>A photo read from a request: the bytes as sent and the JPEG kept, or the answer that refuses it.</summary>
public sealed record PhotoUpload(byte[] Upload, byte[] Jpeg);

/// <summary>
/// Reading a photo from a request, bounded: a body over <see cref="MaxRequestBytes"/> is refused before it is
/// read (by its Content-Length) or while it is read (a chunked body), and what is read must be a picture.
/// A photo comes as the body itself (<c>Content-Type: image/*</c>) or as the <c>photo</c> field of a form.
/// </summary>
public static class PhotoUploads
{
    /// <summary>The most a request with a photo may carry: a full-size phone JPEG fits, the pages send ~0.3 MB.</summary>
    public const long MaxRequestBytes = 12 * 1024 * 1024;

    public const string FormField = "photo";

    /// <summary>The most a request without a photo (a JSON report) may carry.</summary>
    public const long MaxTextRequestBytes = 64 * 1024;

    /// <summary>
    /// Refuses a body announced as larger than it may be (a form may carry a photo, anything else only text) and
    /// caps what the server will read of a body that did not announce its length.
    /// </summary>
    public static IResult? LimitBody(HttpContext http)
    {
        var max = http.Request.HasFormContentType || http.Request.ContentType?.StartsWith("image/", StringComparison.OrdinalIgnoreCase) == true
            ? MaxRequestBytes
            : MaxTextRequestBytes;
        if (http.Request.ContentLength > max)
        {
            return TooLarge(max);
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = max;
        }

        return null;
    }

    public static IResult TooLarge(long max = MaxRequestBytes) => Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Too large",
        detail: max == MaxRequestBytes
            ? $"A photo may be at most {MaxRequestBytes / (1024 * 1024)} MB; the hub's pages scale photos down before sending."
            : $"This request may be at most {max / 1024} KB.");

    /// <summary>The photo of a form's <c>photo</c> field or of an <c>image/*</c> body; null with no photo at all.</summary>
    public static async Task<(PhotoUpload? Photo, IResult? Refused)> ReadAsync(HttpRequest request, IFormCollection? form, CancellationToken cancellationToken)
    {
        byte[] upload;
        if (form is not null)
        {
            if (form.Files.GetFile(FormField) is not { } file || file.Length == 0)
            {
                return (null, null);
            }

            upload = new byte[file.Length];
            await using var stream = file.OpenReadStream();
            await stream.ReadExactlyAsync(upload, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            using var buffer = new MemoryStream();
            try
            {
                await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return (null, TooLarge());
            }

            if (buffer.Length > MaxRequestBytes)
            {
                return (null, TooLarge());
            }

            upload = buffer.ToArray();
        }

        if (upload.Length == 0)
        {
            return (null, NotAPhoto("The photo is empty."));
        }

        var check = FieldPhotos.Normalise(upload);
        return check.IsAccepted ? (new PhotoUpload(upload, check.Jpeg!), null) : (null, NotAPhoto(check.Problem!));
    }

    /// <summary>The request's form, or the answer that refuses a body too large to read.</summary>
    public static async Task<(IFormCollection? Form, IResult? Refused)> ReadFormAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return (await request.ReadFormAsync(cancellationToken).ConfigureAwait(false), null);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge());
        }
        catch (InvalidDataException e)
        {
            return (null, Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unreadable form", detail: e.Message));
        }
    }

    private static IResult NotAPhoto(string problem) => Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Not a photo", detail: problem);
}
