using System.Text;
using Edge.Host.Deploy.Compilation;
using Edge.Tests.Shared;
using Microsoft.Extensions.Logging.Abstractions;

namespace Edge.Host.Tests.Deploy.Compilation;

/// <summary>What arrives before the compiler sees it: the file's name, size and encoding, and the host's refs/ folder.</summary>
[Collection(CompilerCollection.Name)]
public sealed class SourceInputTests(CompilerFixture fixture)
{
    private const string Tiny = "public sealed class T : IFetchHandler { public ValueTask<IResult> FetchAsync(HttpRequest r, IEdgeEnv e, IFetchContext c) => ValueTask.FromResult(Results.Ok()); }";

    [Fact]
    public void Options_Default_OneMebibyteAndTheRefsFolderBesideTheExecutable()
    {
        var options = new SourceCompilerOptions();

        Assert.Equal(1024 * 1024, options.MaxSourceBytes);
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "refs"), options.ResolvedReferenceDirectory);
        Assert.Empty(options.Validate("Deploy:Compiler"));
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "refs", "Edge.Functions.dll")));
        Assert.True(Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "refs"), "*.dll").Length > 300);
    }

    [Fact]
    public void Options_Invalid_ReportsEveryProblemWithItsKey()
    {
        using var empty = new TempDirectory();
        var options = new SourceCompilerOptions { MaxSourceBytes = 0, ReferenceDirectory = empty.Path };

        var errors = options.Validate("Deploy:Compiler");

        Assert.Equal(
            [
                "Deploy:Compiler:MaxSourceBytes must be positive (default 1048576), not 0.",
                $"Deploy:Compiler:ReferenceDirectory: {empty.Path} lacks System.Runtime.dll, Microsoft.AspNetCore.Http.Abstractions.dll, Microsoft.AspNetCore.Http.Results.dll, Edge.Functions.dll, generators/System.Text.Json.SourceGeneration.dll, generators/System.Text.RegularExpressions.Generator.dll, generators/Microsoft.Extensions.Logging.Generators.dll; the host's build and publish copy the reference assemblies there (EdgeHost.csproj), so this host was installed without them.",
            ],
            errors);
    }

    [Fact]
    public async Task Compile_WithoutRefsFolder_ThrowsAndWarmUpLogsIt()
    {
        using var empty = new TempDirectory();
        var log = new ListLogger();
        var compiler = new SourceCompiler(new SourceCompilerOptions { ReferenceDirectory = empty.Path }, TimeProvider.System, new LoggerAdapter(log));

        var thrown = Assert.Throws<InvalidOperationException>(() => compiler.Compile("t.cs", Sources.Utf8(Tiny)));
        var warmUp = await compiler.WarmUpAsync(CancellationToken.None);

        Assert.StartsWith($"The function compiler's reference folder {empty.Path} lacks System.Runtime.dll,", thrown.Message, StringComparison.Ordinal);
        Assert.Null(warmUp);
        Assert.Contains(log.Entries, e => e.EventId == 133);
    }

    [Fact]
    public async Task Compile_AtAndOverTheLimit_RefusesOnlyOver()
    {
        var compiler = new SourceCompiler(new SourceCompilerOptions { MaxSourceBytes = 256 }, TimeProvider.System, NullLogger<SourceCompiler>.Instance);
        var atLimit = Sources.Utf8(Tiny.PadRight(256));
        var overLimit = Sources.Utf8(Tiny.PadRight(257));

        var accepted = compiler.Compile("t.cs", atLimit);
        var refused = compiler.Compile("t.cs", overLimit);
        using var seekable = new MemoryStream(overLimit);
        var refusedSeekable = await compiler.CompileAsync("t.cs", seekable);

        Assert.True(accepted.Succeeded, string.Join('\n', accepted.Lines));
        Assert.Equal(SourceCompileError.SourceTooLarge, refused.Error);
        Assert.Equal(["t.cs: error EDGE0010: The file is 257 bytes; the host compiles files of at most 256 bytes."], refused.Lines);
        Assert.Equal(["t.cs: error EDGE0010: The file is 257 bytes; the host compiles files of at most 256 bytes."], refusedSeekable.Lines);
    }

    [Fact]
    public async Task CompileAsync_EndlessStream_StopsReadingPastTheLimit()
    {
        var source = new CountingStream(length: 64L * 1024 * 1024);

        var result = await fixture.Compiler.CompileAsync("big.cs", source);

        Assert.Equal(SourceCompileError.SourceTooLarge, result.Error);
        Assert.Equal(["big.cs: error EDGE0010: The file is larger than 1048576 bytes, the most the host compiles."], result.Lines);
        Assert.Equal(1024 * 1024 + 1, source.BytesRead);
    }

    [Fact]
    public async Task CompileAsync_StreamInSmallReads_Compiles()
    {
        var result = await fixture.Compiler.CompileAsync("hello.cs", new CountingStream(Sources.Utf8(Sources.Hello), maxRead: 7));

        Assert.True(result.Succeeded, string.Join('\n', result.Lines));
    }

    [Fact]
    public void Compile_InvalidUtf8_NamesLineColumnAndOffset()
    {
        // Line 2 is "// café" then 0xFF: 'é' is two bytes but one column.
        byte[] source = [.. Sources.Utf8("public class A {}\n// café"), 0xFF, .. Sources.Utf8("\n")];

        var result = fixture.Compiler.Compile("hello.cs", source);

        Assert.Equal(SourceCompileError.InvalidEncoding, result.Error);
        Assert.Equal(["hello.cs(2,8): error EDGE0011: The file is not valid UTF-8: the byte 0xFF at offset 26 does not start a valid sequence. Save it as UTF-8."], result.Lines);
    }

    [Fact]
    public void Compile_Utf16OrTruncatedUtf8_SaysWhat()
    {
        var utf16 = fixture.Compiler.Compile("hello.cs", [.. Encoding.Unicode.Preamble, .. Encoding.Unicode.GetBytes(Tiny)]);
        var truncated = fixture.Compiler.Compile("hello.cs", [.. Sources.Utf8("// euro: "), 0xE2, 0x82]);

        Assert.Equal(["hello.cs(1,1): error EDGE0011: The file is not UTF-8: it starts with a UTF-16 byte order mark. Save it as UTF-8."], utf16.Lines);
        Assert.Equal(["hello.cs(1,10): error EDGE0011: The file is not valid UTF-8: it ends in the middle of a character (offset 9). Save it as UTF-8."], truncated.Lines);
    }

    [Theory]
    [InlineData("", "The file name is empty.")]
    [InlineData("../hello.cs", "The file name must be a plain name without a folder, a drive or control characters.")]
    [InlineData("C:hello.cs", "The file name must be a plain name without a folder, a drive or control characters.")]
    [InlineData("hel\nlo.cs", "The file name must be a plain name without a folder, a drive or control characters.")]
    [InlineData("hello.txt", "The file name must end in .cs.")]
    [InlineData(".cs", "The file name must end in .cs.")]
    public void Compile_InvalidFileName_IsRefusedWithoutQuotingIt(string name, string message)
    {
        var result = fixture.Compiler.Compile(name, Sources.Utf8(Tiny));

        Assert.Equal(SourceCompileError.InvalidFileName, result.Error);
        Assert.Equal(["error EDGE0012: " + message], result.Lines);
    }

    /// <summary>A read-only stream of a given length (zeros, or given bytes) that counts what was read from it.</summary>
    private sealed class CountingStream : Stream
    {
        private readonly byte[]? _content;
        private readonly long _length;
        private readonly int _maxRead;

        public CountingStream(long length) => (_length, _maxRead) = (length, int.MaxValue);

        public CountingStream(byte[] content, int maxRead) => (_content, _length, _maxRead) = (content, content.Length, maxRead);

        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(Math.Min(count, _maxRead), _length - BytesRead);
            if (_content is not null)
            {
                Array.Copy(_content, BytesRead, buffer, offset, n);
            }
            else
            {
                Array.Clear(buffer, offset, n);
            }

            BytesRead += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
