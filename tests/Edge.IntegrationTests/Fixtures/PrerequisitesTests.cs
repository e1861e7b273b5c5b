using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Fixtures;

public sealed class PrerequisitesTests
{
    [Fact]
    public void Require_MissingTool_ThrowsNamingToolAndScript()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Prerequisites.Require("skopeo", "edge-no-such-tool"));

        Assert.Contains("edge-no-such-tool", error.Message, StringComparison.Ordinal);
        Assert.Contains("scripts/test.sh", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("'skopeo'", error.Message, StringComparison.Ordinal);
    }
}
