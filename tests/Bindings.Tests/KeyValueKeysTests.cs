using Edge.Bindings.Disk;
using Edge.Bindings.S3;
using Edge.Bindings.Sqlite;

namespace Edge.Bindings.Tests;

public sealed class KeyValueKeysTests
{
    [Theory]
    [InlineData("a", "b")]
    [InlineData("abc", "abd")]
    [InlineData("a%", "a&")]
    [InlineData("\uD7FF", "\uE000")]
    [InlineData("", null)]
    public void PrefixUpperBound_Prefix_IncrementsLastCharacter(string prefix, string? expected)
    {
        Assert.Equal(expected, KeyValueKeys.PrefixUpperBound(prefix));
    }

    [Fact]
    public void PrefixUpperBound_TrailingMaximalCodePoints_AreDropped()
    {
        var max = char.ConvertFromUtf32(0x10FFFF);

        Assert.Equal("b", KeyValueKeys.PrefixUpperBound("a" + max + max));
        Assert.Null(KeyValueKeys.PrefixUpperBound(max));
        Assert.Equal(char.ConvertFromUtf32(0x10000), KeyValueKeys.PrefixUpperBound("\uFFFF"));
    }

    [Fact]
    public void Validate_LoneSurrogate_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => KeyValueKeys.Validate("\uDBFF", "key"));
        Assert.Throws<ArgumentException>(() => KeyValueKeys.ValidatePrefix("\uDBFF", "prefix"));
    }
}
