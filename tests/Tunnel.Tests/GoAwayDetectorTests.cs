using Edge.Tunnel.Relay;

namespace Edge.Tunnel.Tests;

public sealed class GoAwayDetectorTests
{
    private static byte[] Frame(byte type, byte[] payload) =>
        [(byte)(payload.Length >> 16), (byte)(payload.Length >> 8), (byte)payload.Length, type, 0, 0, 0, 0, 1, .. payload];

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(9)]
    [InlineData(4096)]
    public void Observe_FramesInAnyChunking_FindsGoAwayOnlyAtItsHeader(int chunk)
    {
        // A SETTINGS frame, a DATA frame whose payload is full of 0x07 bytes (must not look like GOAWAY), then GOAWAY.
        var payload = Enumerable.Repeat((byte)0x07, 300).ToArray();
        byte[] bytes = [.. Frame(0x4, new byte[18]), .. Frame(0x0, payload), .. Frame(0x7, new byte[8])];
        var goAwayStart = 9 + 18 + 9 + 300;
        var detector = new Http2GoAwayDetector();
        var foundAt = -1;
        for (var offset = 0; offset < bytes.Length; offset += chunk)
        {
            var length = Math.Min(chunk, bytes.Length - offset);
            if (detector.Observe(bytes.AsSpan(offset, length)))
            {
                foundAt = offset;
            }
        }

        Assert.True(detector.GoAwaySeen);
        Assert.InRange(foundAt, Math.Max(0, goAwayStart - chunk + 1), goAwayStart + 8);
    }

    [Fact]
    public void Observe_NoGoAway_NotSeen()
    {
        var detector = new Http2GoAwayDetector();
        byte[] bytes = [.. Frame(0x4, []), .. Frame(0x1, new byte[40]), .. Frame(0x6, new byte[8])];

        Assert.False(detector.Observe(bytes));
        Assert.False(detector.GoAwaySeen);
    }
}
