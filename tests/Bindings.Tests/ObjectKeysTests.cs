using Edge.Bindings.Disk;
using Edge.Bindings.S3;
using Edge.Bindings.Sqlite;

namespace Edge.Bindings.Tests;

public sealed class ObjectKeysTests
{
    [Theory]
    [InlineData("a", true)]
    [InlineData("a/b/c", true)]
    [InlineData("a..b", true)]
    [InlineData("..a", true)]
    [InlineData("a/..", false)]
    [InlineData("./a", false)]
    [InlineData("a/", false)]
    [InlineData("", false)]
    [InlineData("a~b", false)]
    [InlineData("a%2Fb", false)]
    public void IsValid_Key_MatchesSdkRules(string key, bool expected)
    {
        Assert.Equal(expected, ObjectKeys.IsValid(key));
    }

    [Theory]
    [InlineData("seg", true)]
    [InlineData("a/b", false)]
    [InlineData("..", false)]
    [InlineData("x~obj", false)]
    public void IsValidSegment_Name_OnlyAcceptsSingleValidSegments(string segment, bool expected)
    {
        Assert.Equal(expected, ObjectKeys.IsValidSegment(segment));
    }

    [Fact]
    public void Validate_EmptySegmentAtStartOfDoubleSlash_ReportsItsIndex()
    {
        var ex = Assert.Throws<ArgumentException>(() => ObjectKeys.Validate("ab//c", "key"));

        Assert.Contains("index 2", ex.Message, StringComparison.Ordinal);
    }
}
