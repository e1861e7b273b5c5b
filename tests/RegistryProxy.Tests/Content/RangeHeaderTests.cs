using Edge.Functions;
using Edge.RegistryProxy.Content;

namespace Edge.RegistryProxy.Tests.Content;

public class RangeHeaderTests
{
    private static ByteRange ParseRange(string header, long size)
    {
        Assert.Equal(RangeHeader.Outcome.Range, RangeHeader.Parse(header, size, out var range));
        return range;
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Parse_Absent_None(string? header)
    {
        Assert.Equal(RangeHeader.Outcome.None, RangeHeader.Parse(header, 100, out _));
    }

    [Fact]
    public void Parse_OpenFromZero_WholeObject()
    {
        Assert.Equal(new ByteRange(0, 100), ParseRange("bytes=0-", 100));
    }

    [Fact]
    public void Parse_OpenFromOffset_ToEnd()
    {
        Assert.Equal(new ByteRange(40, 60), ParseRange("bytes=40-", 100));
    }

    [Theory]
    [InlineData("bytes=10-19", 10, 10)]
    [InlineData("bytes=0-0", 0, 1)]
    [InlineData("bytes=99-99", 99, 1)]
    [InlineData("Bytes=5-9", 5, 5)]
    [InlineData("bytes= 5 - 9 ", 5, 5)]
    public void Parse_Closed_InclusiveLength(string header, long offset, long length)
    {
        Assert.Equal(new ByteRange(offset, length), ParseRange(header, 100));
    }

    [Theory]
    [InlineData("bytes=90-150")]
    [InlineData("bytes=90-99")]
    [InlineData("bytes=90-9223372036854775807")]
    public void Parse_EndPastSize_ClampsToLastByte(string header)
    {
        Assert.Equal(new ByteRange(90, 10), ParseRange(header, 100));
    }

    [Fact]
    public void Parse_Suffix_LastBytes()
    {
        Assert.Equal(new ByteRange(70, 30), ParseRange("bytes=-30", 100));
    }

    [Fact]
    public void Parse_SuffixLargerThanSize_WholeObject()
    {
        Assert.Equal(new ByteRange(0, 100), ParseRange("bytes=-500", 100));
    }

    [Theory]
    [InlineData("bytes=100-")]
    [InlineData("bytes=100-200")]
    [InlineData("bytes=500-")]
    [InlineData("bytes=-0")]
    public void Parse_StartAtOrPastSize_Unsatisfiable(string header)
    {
        Assert.Equal(RangeHeader.Outcome.Unsatisfiable, RangeHeader.Parse(header, 100, out _));
    }

    [Theory]
    [InlineData("bytes=0-")]
    [InlineData("bytes=0-0")]
    [InlineData("bytes=-1")]
    public void Parse_ZeroSizeObject_Unsatisfiable(string header)
    {
        Assert.Equal(RangeHeader.Outcome.Unsatisfiable, RangeHeader.Parse(header, 0, out _));
    }

    [Theory]
    [InlineData("bytes")]
    [InlineData("bytes=")]
    [InlineData("bytes=abc")]
    [InlineData("bytes=-")]
    [InlineData("bytes=a-b")]
    [InlineData("bytes=5-a")]
    [InlineData("bytes=9-5")]
    [InlineData("bytes=+5-")]
    [InlineData("bytes=--5")]
    [InlineData("bytes=0x10-")]
    [InlineData("bytes=1.5-")]
    [InlineData("0-10")]
    [InlineData("bits=0-10")]
    public void Parse_Malformed_Invalid(string header)
    {
        Assert.Equal(RangeHeader.Outcome.Invalid, RangeHeader.Parse(header, 100, out _));
    }

    [Theory]
    [InlineData("bytes=0-9,20-29")]
    [InlineData("bytes=0-9, -5")]
    public void Parse_MultiRange_NoneAnsweredWhole(string header)
    {
        Assert.Equal(RangeHeader.Outcome.None, RangeHeader.Parse(header, 100, out _));
    }

    [Fact]
    public void Parse_ResumeLargeBlob_OffsetsBeyondInt()
    {
        const long Size = 5L * 1024 * 1024 * 1024;

        Assert.Equal(new ByteRange(3_000_000_000, Size - 3_000_000_000), ParseRange("bytes=3000000000-", Size));
    }
}
