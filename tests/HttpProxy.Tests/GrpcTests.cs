using System.Net;
using System.Text;
using System.Threading.Channels;
using Edge.HttpProxy.Tests.Infrastructure;
using Edge.Tests.Shared;

namespace Edge.HttpProxy.Tests;

/// <summary>
/// A gRPC-style exchange end to end: an HTTP/2 client (TLS to the host), the proxy, an h2c origin. Messages stream both
/// ways interleaved (each answer arrives before the next message is sent), and the trailers reach the client.
/// </summary>
public sealed class GrpcTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);
    private readonly TestCertificateAuthority _authority = TestCertificateAuthority.Create();
    private TestOrigin _origin = null!;
    private ProxyHost _proxy = null!;

    public async Task InitializeAsync()
    {
        _origin = await TestOrigin.StartAsync();
        _proxy = await ProxyHost.StartAsync(_origin.H2cUrl, null, _authority, ("H2c", "true"));
    }

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _origin.DisposeAsync();
        _authority.Dispose();
    }

    [Fact]
    public async Task Grpc_BidirectionalStream_MessagesInterleaveAndTrailersArrive()
    {
        var messages = Channel.CreateUnbounded<string>();
        using var client = Client();
        using var request = Call(new StreamingContent(messages.Reader));

        await messages.Writer.WriteAsync("one");
        using var response = await client.SendAsync(request, CancellationToken.None).WaitAsync(Bound);
        await using var body = await response.Content.ReadAsStreamAsync();
        var first = await ReadMessageAsync(body);
        await messages.Writer.WriteAsync("two");
        var second = await ReadMessageAsync(body);
        messages.Writer.Complete();
        var rest = await ReadToEndAsync(body);
        var originSaw = await _origin.GrpcRequestHeaders.Task.WaitAsync(Bound);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("echo:one", first);
        Assert.Equal("echo:two", second);
        Assert.Empty(rest);
        Assert.Equal("0", Assert.Single(response.TrailingHeaders.GetValues("grpc-status")));
        Assert.Equal("done", Assert.Single(response.TrailingHeaders.GetValues("grpc-message")));
        Assert.Equal("trailers", originSaw["TE"].ToString());
        Assert.Equal("application/grpc", originSaw.ContentType.ToString());
        Assert.Equal("127.0.0.1", originSaw["X-Forwarded-For"].ToString());
    }

    [Fact]
    public async Task Grpc_ErrorStatus_ReachesTheClientInTrailers()
    {
        var messages = Channel.CreateUnbounded<string>();
        using var client = Client();
        using var request = Call(new StreamingContent(messages.Reader));

        await messages.Writer.WriteAsync("fail");
        messages.Writer.Complete();
        using var response = await client.SendAsync(request, CancellationToken.None).WaitAsync(Bound);
        var rest = await ReadToEndAsync(await response.Content.ReadAsStreamAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(rest);
        Assert.Equal("5", Assert.Single(response.TrailingHeaders.GetValues("grpc-status")));
        Assert.Equal("not found", Assert.Single(response.TrailingHeaders.GetValues("grpc-message")));
    }

    private HttpMessageInvoker Client()
    {
        var handler = new SocketsHttpHandler { UseProxy = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => _authority.Validates(certificate, errors, chain);
        return new HttpMessageInvoker(handler);
    }

    private HttpRequestMessage Call(HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"https://127.0.0.1:{_proxy.Url.Port}/grpc"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Headers.TryAddWithoutValidation("TE", "trailers");
        content.Headers.TryAddWithoutValidation("Content-Type", "application/grpc");
        return request;
    }

    private static async Task<string> ReadMessageAsync(Stream body)
    {
        var header = new byte[5];
        await body.ReadExactlyAsync(header).AsTask().WaitAsync(Bound);
        var payload = new byte[System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(1))];
        await body.ReadExactlyAsync(payload).AsTask().WaitAsync(Bound);
        return Encoding.UTF8.GetString(payload);
    }

    private static async Task<byte[]> ReadToEndAsync(Stream body)
    {
        using var rest = new MemoryStream();
        await body.CopyToAsync(rest).WaitAsync(Bound);
        return rest.ToArray();
    }

    /// <summary>A request body that sends each message as the test produces it (a gRPC client stream).</summary>
    private sealed class StreamingContent(ChannelReader<string> messages) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await foreach (var message in messages.ReadAllAsync(cancellationToken))
            {
                await stream.WriteAsync(TestOrigin.Frame(message), cancellationToken);
                await stream.FlushAsync(cancellationToken);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
