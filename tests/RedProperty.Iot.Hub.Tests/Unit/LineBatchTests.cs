using System.Text;
using RedProperty.Iot.Hub.TimeSeries;

namespace RedProperty.Iot.Hub.Tests.Unit;

/// <summary>The shipper's reusable batch: the body InfluxDB gets is the lines joined by newlines, and a split keeps every line whole.</summary>
public sealed class LineBatchTests
{
    private static readonly string[] Lines =
    [
        "light,site=sunny-garden,zone=b3 lux=0i 1764633600000",
        "charger,site=sunny-garden,place=车棚\\ 2 current=4.5,flying_wire=true 1764633600001",
        "m x=1",
        "camera,site=s,id=cam-1 online=true,note=\"stairwell 3, level 2\" 1764633600002",
    ];

    [Fact]
    public void The_body_is_the_lines_joined_by_newlines_in_UTF8_and_each_line_reads_back()
    {
        var batch = LineBatch.Of(Lines);

        Assert.Equal(Lines.Length, batch.Count);
        Assert.Equal(Encoding.UTF8.GetBytes(string.Join('\n', Lines)), batch.Body.ToArray());
        Assert.Equal(Lines, Enumerable.Range(0, batch.Count).Select(i => batch[i]));
        Assert.Equal(Lines, batch.ToStrings());
    }

    [Fact]
    public void Slices_cover_the_batch_without_losing_or_cutting_a_line()
    {
        var batch = LineBatch.Of(Lines);
        for (var half = 0; half <= Lines.Length; half++)
        {
            var first = batch.Slice(0, half);
            var second = batch.Slice(half, Lines.Length - half);
            Assert.Equal(Lines[..half], first.ToStrings());
            Assert.Equal(Lines[half..], second.ToStrings());
            Assert.Equal(Encoding.UTF8.GetBytes(string.Join('\n', Lines[half..])), second.Body.ToArray());
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => batch.Slice(3, 2));
    }

    [Fact]
    public void A_cleared_batch_is_empty_and_takes_new_lines_after_growing_past_its_first_buffer()
    {
        var batch = new LineBatch(capacityBytes: 16);
        for (var round = 0; round < 3; round++)
        {
            var lines = Enumerable.Range(0, 500).Select(i => $"m,round={round} i={i}i").ToArray();
            foreach (var line in lines)
            {
                batch.Add(Encoding.UTF8.GetBytes(line));
            }

            Assert.Equal(Encoding.UTF8.GetBytes(string.Join('\n', lines)), batch.Body.ToArray());
            batch.Clear();
            Assert.Equal(0, batch.Count);
            Assert.True(batch.Body.IsEmpty);
        }
    }
}
