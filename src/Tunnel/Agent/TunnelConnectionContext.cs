using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Edge.Tunnel.Agent;

/// <summary>One upgraded relay stream handed to Kestrel as a connection.</summary>
internal sealed class TunnelConnectionContext : ConnectionContext, IConnectionIdFeature, IConnectionTransportFeature,
    IConnectionItemsFeature, IConnectionLifetimeFeature, IConnectionEndPointFeature, ITunnelConnectionFeature, IDuplexPipe
{
    private static long s_nextId;
    private readonly Stream _stream;
    private readonly CancellationTokenSource _closed = new();
    private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposeStarted;

    public TunnelConnectionContext(Stream stream, TunnelEndPoint endPoint)
    {
        _stream = stream;
        var options = endPoint.Options;
        TunnelId = options.TunnelId;
        AgentId = options.AgentId;
        RelayUri = options.RelayUri!;
        ConnectionId = "tunnel-" + Interlocked.Increment(ref s_nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        LocalEndPoint = endPoint;
        RemoteEndPoint = new DnsEndPoint(RelayUri.DnsSafeHost, RelayUri.Port);
        Input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true));
        Output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 16 * 1024, leaveOpen: true));
        ConnectionClosed = _closed.Token;
        Transport = this;

        var features = new FeatureCollection();
        features.Set<IConnectionIdFeature>(this);
        features.Set<IConnectionTransportFeature>(this);
        features.Set<IConnectionItemsFeature>(this);
        features.Set<IConnectionLifetimeFeature>(this);
        features.Set<IConnectionEndPointFeature>(this);
        features.Set<ITunnelConnectionFeature>(this);
        Features = features;
    }

    public string TunnelId { get; }

    public string AgentId { get; }

    public Uri RelayUri { get; }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features { get; }

    public override IDictionary<object, object?> Items { get; set; } = new ConnectionItems();

    public override IDuplexPipe Transport { get; set; }

    public override CancellationToken ConnectionClosed { get; set; }

    public override EndPoint? LocalEndPoint { get; set; }

    public override EndPoint? RemoteEndPoint { get; set; }

    /// <summary>Completes once Kestrel is done with the connection (it disposed it).</summary>
    public Task Completion => _disposed.Task;

    public override void Abort(ConnectionAbortedException abortReason)
    {
        // Disposing the stream fails pending reads and writes, which is what ends Kestrel's loops.
        _stream.Dispose();
        Cancel();
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposeStarted, 1) == 0)
        {
            await Input.CompleteAsync();
            await Output.CompleteAsync();
            await _stream.DisposeAsync();
            Cancel();
            _disposed.TrySetResult();
        }

        await base.DisposeAsync();
    }

    private void Cancel()
    {
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
