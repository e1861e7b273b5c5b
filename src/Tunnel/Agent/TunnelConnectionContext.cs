using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Edge.Tunnel.Agent;

/// <summary>One upgraded relay stream handed to Kestrel as a connection.</summary>
internal sealed class TunnelConnectionContext : ConnectionContext, IConnectionIdFeature, IConnectionTransportFeature,
    IConnectionItemsFeature, IConnectionLifetimeFeature, IConnectionEndPointFeature, ITunnelConnectionFeature, IDuplexPipe
{
    private const int CoalesceSize = 64 * 1024;

    /// <summary>Most bytes handed to one gathered send. Every send has a fixed cost (the call, the TCP push, waking
    /// the relay's reader); a 1 GiB download took ~7 000 sends at this size instead of ~18 000 at 64 KiB.</summary>
    private const int GatherSize = 256 * 1024;

    private static long s_nextId;
    private readonly Stream _stream;

    /// <summary>The socket under a plain (h2c) relay stream: written with gathered sends. Null under TLS.</summary>
    private readonly Socket? _socket;
    private readonly List<ArraySegment<byte>> _gather = [];
    private readonly CancellationTokenSource _closed = new();
    private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _pump;
    private int _disposeStarted;

    public TunnelConnectionContext(Stream stream, TunnelEndPoint endPoint)
    {
        _stream = stream;
        _socket = (stream as NetworkStream)?.Socket;
        var options = endPoint.Options;
        TunnelId = options.TunnelId;
        AgentId = options.AgentId;
        RelayUri = options.RelayUri!;
        ConnectionId = "tunnel-" + Interlocked.Increment(ref s_nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        LocalEndPoint = endPoint;
        RemoteEndPoint = new DnsEndPoint(RelayUri.DnsSafeHost, RelayUri.Port);
        Input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true));

        // Kestrel writes into a pipe drained by our own pump (as its socket transport does) rather than straight
        // into the stream: a broken relay stream then completes the pipe instead of throwing into Kestrel's HTTP/2
        // frame writer (which logs every such write as an unexpected error).
        // 64 KiB segments: HTTP/2 DATA frames (16 KiB + 9) land whole and mostly in one segment, so the pump usually
        // writes a segment as it is instead of copying frames into its coalescing buffer first.
        var output = new Pipe(new PipeOptions(
            pauseWriterThreshold: 1024 * 1024,
            resumeWriterThreshold: 512 * 1024,
            minimumSegmentSize: CoalesceSize,
            useSynchronizationContext: false));
        Output = output.Writer;
        _pump = PumpAsync(output.Reader);
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
            try
            {
                await Input.CompleteAsync();
                await Output.CompleteAsync();

                // Let the last frames (GOAWAY) reach the relay, but never hang on a relay that stopped reading.
                await _pump.WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception)
            {
            }
            finally
            {
                await _stream.DisposeAsync();
                Cancel();
                _disposed.TrySetResult();
            }
        }

        await base.DisposeAsync();
    }

    private async Task PumpAsync(PipeReader reader)
    {
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                var buffer = result.Buffer;
                if (_socket is not null && !buffer.IsEmpty)
                {
                    await SendGatheredAsync(_socket, buffer);
                }
                else if (buffer.IsSingleSegment)
                {
                    await _stream.WriteAsync(buffer.First);
                }
                else if (!buffer.IsEmpty)
                {
                    // Kestrel's frames land in small pipe segments; one write per 64 KiB instead of per segment
                    // saves most of the syscalls (and TLS records) on downloads.
                    await WriteCoalescedAsync(buffer);
                }

                if (!buffer.IsEmpty)
                {
                    await _stream.FlushAsync();
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception)
        {
            // The relay end is gone: make Kestrel see the connection close.
            Cancel();
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    /// <summary>
    /// Sends <paramref name="buffer"/> with as few <c>sendmsg</c> calls as it takes at <see cref="GatherSize"/> each,
    /// straight from the pipe's segments (no copy). A segment that is not array-backed falls back to a copy.
    /// </summary>
    private async Task SendGatheredAsync(Socket socket, ReadOnlySequence<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            _gather.Clear();
            var total = 0;
            foreach (var segment in buffer)
            {
                if (total > 0 && total + segment.Length > GatherSize)
                {
                    break;
                }

                if (!MemoryMarshal.TryGetArray(segment, out var array))
                {
                    array = segment.ToArray();
                }

                _gather.Add(array);
                total += segment.Length;
            }

            // A stream socket's asynchronous send completes when every byte is sent; a short count would be a bug.
            var sent = await socket.SendAsync(_gather, SocketFlags.None);
            if (sent != total)
            {
                throw new IOException($"short send to the relay: {sent} of {total} bytes");
            }

            buffer = buffer.Slice(total);
        }
    }

    private async Task WriteCoalescedAsync(ReadOnlySequence<byte> buffer)
    {
        var chunk = ArrayPool<byte>.Shared.Rent(CoalesceSize);
        try
        {
            while (!buffer.IsEmpty)
            {
                var length = (int)Math.Min(buffer.Length, CoalesceSize);
                buffer.Slice(0, length).CopyTo(chunk);
                await _stream.WriteAsync(chunk.AsMemory(0, length));
                buffer = buffer.Slice(length);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
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
