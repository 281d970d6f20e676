using System.Security.Cryptography;
using RedProperty.Iot.Domain.Registry;
using RedProperty.Iot.Hub.Field;

namespace RedProperty.Iot.Hub.Tests.Unit;

public sealed class PlaceStickersTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(32);

    private static DeviceRegistry Registry(params Place[] places) => new(
    [
        new Site("jiahua", "嘉华城", TimeZoneInfo.Utc, null, null,
            new Dictionary<string, Zone> { ["grid-1"] = new("grid-1", "第一网格", "area"), ["grid-2"] = new("grid-2", "第二网格", "area") },
            new Dictionary<string, Device>()) { DeclaredPlaces = places },
    ]);

    [Fact]
    public void A_token_reads_back_as_its_place_for_its_purpose_only()
    {
        var corridor = new Place("b24-corr-3", "24栋3楼走廊", "grid-1");
        var stickers = new PlaceStickers(Key, Registry(corridor));
        var arrival = stickers.TokenFor(StickerPurpose.Arrival, "jiahua", corridor);

        var read = stickers.Read(StickerPurpose.Arrival, arrival);
        Assert.Equal((StickerCheck.Valid, "jiahua", corridor), (read.Check, read.Site?.Id, read.Place));
        Assert.Equal(StickerCheck.Forged, stickers.Read(StickerPurpose.Resident, arrival).Check);
        Assert.Equal(StickerCheck.Valid, stickers.Read(StickerPurpose.Resident, stickers.TokenFor(StickerPurpose.Resident, "jiahua", corridor)).Check);
        Assert.Equal(StickerCheck.Forged, new PlaceStickers(RandomNumberGenerator.GetBytes(32), Registry(corridor)).Read(StickerPurpose.Arrival, arrival).Check);
    }

    [Fact]
    public void Every_changed_character_of_a_token_is_refused()
    {
        var corridor = new Place("b24-corr-3", "24栋3楼走廊", "grid-1");
        var stickers = new PlaceStickers(Key, Registry(corridor));
        var token = stickers.TokenFor(StickerPurpose.Arrival, "jiahua", corridor);
        for (var i = 0; i < token.Length; i++)
        {
            var changed = token.ToCharArray();
            changed[i] = changed[i] == 'A' ? 'B' : 'A';
            var check = stickers.Read(StickerPurpose.Arrival, new string(changed)).Check;
            Assert.True(check is StickerCheck.Forged or StickerCheck.Malformed, $"position {i}: {check}");
        }

        Assert.Equal(StickerCheck.Malformed, stickers.Read(StickerPurpose.Arrival, null).Check);
        Assert.Equal(StickerCheck.Malformed, stickers.Read(StickerPurpose.Arrival, token + ".x").Check);
        Assert.Equal(StickerCheck.Malformed, stickers.Read(StickerPurpose.Arrival, new string('a', PlaceStickers.MaxTokenLength + 1)).Check);
    }

    [Fact]
    public void A_sticker_of_a_place_that_moved_zone_or_left_the_registry_is_refused_with_what_to_do()
    {
        var corridor = new Place("b24-corr-3", "24栋3楼走廊", "grid-1");
        var token = new PlaceStickers(Key, Registry(corridor)).TokenFor(StickerPurpose.Arrival, "jiahua", corridor);

        var moved = new PlaceStickers(Key, Registry(corridor with { Zone = "grid-2" })).Read(StickerPurpose.Arrival, token);
        Assert.Equal(StickerCheck.Moved, moved.Check);
        Assert.Contains("print new stickers", moved.Problem, StringComparison.Ordinal);

        var gone = new PlaceStickers(Key, Registry()).Read(StickerPurpose.Arrival, token);
        Assert.Equal(StickerCheck.UnknownPlace, gone.Check);
        Assert.Contains("b24-corr-3", gone.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_key_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new PlaceStickers(new byte[16], Registry()));
    }
}
