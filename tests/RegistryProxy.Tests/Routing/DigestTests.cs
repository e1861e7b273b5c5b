using System.Text;
using Edge.RegistryProxy.Routing;

namespace Edge.RegistryProxy.Tests.Routing;

public class DigestTests
{
    // sha256("abc") and sha512("abc"), the FIPS 180-2 test vectors.
    private const string AbcSha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    private const string AbcSha512 = "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";

    private static readonly byte[] Abc = Encoding.ASCII.GetBytes("abc");

    [Fact]
    public void TryParse_Sha256_SplitsAlgorithmAndHex()
    {
        Assert.True(Digest.TryParse("sha256:" + AbcSha256, out var digest));

        Assert.Equal("sha256", digest.Algorithm);
        Assert.Equal(AbcSha256, digest.Hex);
        Assert.Equal("sha256:" + AbcSha256, digest.ToString());
    }

    [Fact]
    public void TryParse_Sha512_SplitsAlgorithmAndHex()
    {
        Assert.True(Digest.TryParse("sha512:" + AbcSha512, out var digest));

        Assert.Equal("sha512", digest.Algorithm);
        Assert.Equal(AbcSha512, digest.Hex);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sha256")]
    [InlineData("sha256:")]
    [InlineData("sha256:zz")]
    [InlineData("sha256:" + "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a")]
    [InlineData("sha256:" + AbcSha256 + "0")]
    [InlineData("SHA256:" + AbcSha256)]
    [InlineData("sha256:" + "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD")]
    [InlineData("sha512:" + AbcSha256)]
    [InlineData("sha256:" + AbcSha512)]
    [InlineData("md5:900150983cd24fb0d6963f7d28e17f72")]
    [InlineData("blake3:" + AbcSha256)]
    [InlineData(" sha256:" + AbcSha256)]
    [InlineData("sha256:" + AbcSha256 + " ")]
    [InlineData("sha256:" + AbcSha256 + "\n")]
    [InlineData("sha256:" + AbcSha256 + "\r\n")]
    [InlineData("sha256:../../" + AbcSha256)]
    public void TryParse_Invalid_ReturnsFalse(string? text)
    {
        Assert.False(Digest.TryParse(text, out _));
    }

    [Fact]
    public void Sha256Of_KnownVector_MatchesFips()
    {
        Assert.Equal(new Digest("sha256", AbcSha256), Digest.Sha256Of(Abc));
    }

    [Fact]
    public void Compute_Sha512_MatchesFips()
    {
        Assert.Equal(new Digest("sha512", AbcSha512), Digest.Compute("sha512", Abc));
    }

    [Fact]
    public void Compute_Sha256_MatchesSha256Of()
    {
        Assert.Equal(Digest.Sha256Of(Abc), Digest.Compute("sha256", Abc));
    }

    [Fact]
    public void Compute_EmptyContent_IsWellKnownEmptyDigest()
    {
        Assert.Equal("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Digest.Compute("sha256", []).ToString());
    }

    [Theory]
    [InlineData("sha256", AbcSha256)]
    [InlineData("sha512", AbcSha512)]
    public void CreateHash_OverContent_MatchesDigest(string algorithm, string hex)
    {
        var digest = new Digest(algorithm, hex);
        using var hash = digest.CreateHash();
        hash.AppendData(Abc.AsSpan(0, 1));
        hash.AppendData(Abc.AsSpan(1));

        Assert.True(digest.Matches(hash.GetHashAndReset()));
    }

    [Fact]
    public void Matches_OtherContent_ReturnsFalse()
    {
        var digest = new Digest("sha256", AbcSha256);
        using var hash = digest.CreateHash();
        hash.AppendData(Encoding.ASCII.GetBytes("abd"));

        Assert.False(digest.Matches(hash.GetHashAndReset()));
    }

    [Fact]
    public void TryParse_RoundTripsComputed_Equal()
    {
        var computed = Digest.Sha256Of(Abc);

        Assert.True(Digest.TryParse(computed.ToString(), out var parsed));
        Assert.Equal(computed, parsed);
    }
}
