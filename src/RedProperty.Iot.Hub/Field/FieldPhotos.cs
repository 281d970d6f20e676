using System.Security.Cryptography;
using RedProperty.Iot.Hub.Cameras;
using SkiaSharp;

namespace RedProperty.Iot.Hub.Field;

/// <summary>A photo as it will be kept (a JPEG), or why it was refused.</summary>
public readonly record struct PhotoCheck(byte[]? Jpeg, string? Problem)
{
    public bool IsAccepted => Jpeg is not null;

    public static PhotoCheck Refused(string problem) => new(null, problem);
}

/// <summary>
/// Photos taken in the field: a worker's when resolving, a resident's with a report. Only JPEG, PNG and WebP
/// images are taken; each is decoded, turned upright, scaled to at most <see cref="LongEdge"/> pixels and stored
/// as a new JPEG next to the camera evidence. Re-encoding drops what the phone wrote into the file (its EXIF
/// carries where the photo was taken) and anything that is not the picture.
/// </summary>
public sealed class FieldPhotos(EvidenceFiles files, TimeProvider time)
{
    /// <summary>The longest side of a stored photo; phones' browsers scale to the same before sending.</summary>
    public const int LongEdge = 1600;

    /// <summary>The largest picture described in a file (a 108-megapixel phone's full-size JPEG fits).</summary>
    public const long MaxPixels = 120_000_000;

    // What is decoded at once: JPEG and WebP are decoded at a fraction of their size, PNG whole; a small file
    // claiming a huge PNG (a decompression bomb) stops here.
    private const long MaxDecodedPixels = 16_000_000;

    private static readonly SKEncodedImageFormat[] s_accepted = [SKEncodedImageFormat.Jpeg, SKEncodedImageFormat.Png, SKEncodedImageFormat.Webp];

    /// <summary>The photo to keep, or why not (not an image, too large to decode, damaged).</summary>
    public static PhotoCheck Normalise(byte[] upload)
    {
        using var data = SKData.CreateCopy(upload);
        using var codec = SKCodec.Create(data);
        if (codec is null || Array.IndexOf(s_accepted, codec.EncodedFormat) < 0)
        {
            return PhotoCheck.Refused("Not a photo: send a JPEG, PNG or WebP image.");
        }

        var (width, height) = (codec.Info.Width, codec.Info.Height);
        if (width <= 0 || height <= 0 || (long)width * height > MaxPixels)
        {
            return PhotoCheck.Refused($"The picture is {width}×{height} pixels; at most {MaxPixels / 1_000_000} megapixels are taken.");
        }

        var scale = Math.Min(1f, (float)LongEdge / Math.Max(width, height));
        var decodedSize = codec.GetScaledDimensions(scale);
        if ((long)decodedSize.Width * decodedSize.Height > MaxDecodedPixels)
        {
            return PhotoCheck.Refused($"The picture is {width}×{height} pixels; a {codec.EncodedFormat} this large is not taken, send a JPEG or a smaller picture.");
        }

        using var decoded = new SKBitmap(new SKImageInfo(decodedSize.Width, decodedSize.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        var result = codec.GetPixels(decoded.Info, decoded.GetPixels());
        if (result is not SKCodecResult.Success)
        {
            return PhotoCheck.Refused($"The picture could not be read ({result}); take it again.");
        }

        var fit = Math.Min(1f, (float)LongEdge / Math.Max(decoded.Width, decoded.Height));
        var (drawWidth, drawHeight) = (Math.Max(1, (int)Math.Round(decoded.Width * fit)), Math.Max(1, (int)Math.Round(decoded.Height * fit)));
        var quarterTurns = codec.EncodedOrigin switch
        {
            SKEncodedOrigin.RightTop or SKEncodedOrigin.LeftTop => 1,
            SKEncodedOrigin.BottomRight or SKEncodedOrigin.BottomLeft => 2,
            SKEncodedOrigin.LeftBottom or SKEncodedOrigin.RightBottom => 3,
            _ => 0,
        };
        var (outWidth, outHeight) = quarterTurns % 2 == 1 ? (drawHeight, drawWidth) : (drawWidth, drawHeight);

        using var surface = SKSurface.Create(new SKImageInfo(outWidth, outHeight, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        switch (quarterTurns)
        {
            case 1: canvas.Translate(outWidth, 0); break;
            case 2: canvas.Translate(outWidth, outHeight); break;
            case 3: canvas.Translate(0, outHeight); break;
        }

        canvas.RotateDegrees(90 * quarterTurns);
        using (var image = SKImage.FromBitmap(decoded))
        {
            canvas.DrawImage(image, new SKRect(0, 0, drawWidth, drawHeight), new SKSamplingOptions(SKCubicResampler.Mitchell), null);
        }

        using var snapshot = surface.Snapshot();
        using var jpeg = snapshot.Encode(SKEncodedImageFormat.Jpeg, 82);
        return new PhotoCheck(jpeg.ToArray(), null);
    }

    /// <summary>
    /// Stores a normalised photo of an alert and returns its URL. The name comes from the upload's content, so a
    /// phone that sends the same photo again (a retry on a weak connection) lands on the same file.
    /// </summary>
    public async Task<string> SaveAsync(string site, Guid alertId, string role, byte[] upload, byte[] jpeg, CancellationToken cancellationToken)
    {
        var name = $"{role}-{Convert.ToHexStringLower(SHA256.HashData(upload))[..16]}";
        var (path, url) = files.NewFile(site, alertId, name, "jpg", time.GetUtcNow());
        var temp = path + ".part";
        await File.WriteAllBytesAsync(temp, jpeg, cancellationToken).ConfigureAwait(false);
        File.Move(temp, path, overwrite: true);
        return url;
    }
}
