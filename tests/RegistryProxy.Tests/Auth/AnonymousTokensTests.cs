using Edge.RegistryProxy.Auth;
using Microsoft.Extensions.Time.Testing;

namespace Edge.RegistryProxy.Tests.Auth;

public class AnonymousTokensTests
{
    [Fact]
    public void Contains_AddedToken_TrueUntilExpiry()
    {
        var time = new FakeTimeProvider();
        var tokens = new AnonymousTokens(time);

        tokens.Add("tok", TimeSpan.FromSeconds(60));

        Assert.True(tokens.Contains("tok"));
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.True(tokens.Contains("tok"));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(tokens.Contains("tok"));
    }

    [Fact]
    public void Contains_UnknownToken_False()
    {
        var tokens = new AnonymousTokens(new FakeTimeProvider());
        tokens.Add("tok", TimeSpan.FromMinutes(1));

        Assert.False(tokens.Contains("other"));
        Assert.False(tokens.Contains("TOK"));
    }

    [Fact]
    public void Add_Again_ExtendsExpiry()
    {
        var time = new FakeTimeProvider();
        var tokens = new AnonymousTokens(time);
        tokens.Add("tok", TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(5));

        tokens.Add("tok", TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromSeconds(8));

        Assert.True(tokens.Contains("tok"));
    }

    [Fact]
    public void Fingerprint_Sha256Hex_NotTheSecret()
    {
        var fingerprint = AnonymousTokens.Fingerprint("abc");

        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", fingerprint);
    }

    [Fact]
    public void Add_BeyondBound_OldestEvictedNewestKept()
    {
        var time = new FakeTimeProvider();
        var tokens = new AnonymousTokens(time);
        const int Bound = 100_000;
        for (var i = 0; i < Bound; i++)
        {
            // Increasing lifetimes: token 0 expires first, so it is the oldest.
            tokens.Add("t" + i, TimeSpan.FromSeconds(1000 + i));
        }

        tokens.Add("newest", TimeSpan.FromHours(1));

        Assert.False(tokens.Contains("t0"));
        Assert.True(tokens.Contains("t" + (Bound - 1)));
        Assert.True(tokens.Contains("newest"));
    }
}
