using Edge.Functions;

namespace Edge.Bindings;

/// <summary>
/// An upload to a remote store that takes an object either whole, in one request, or as parts committed together
/// (S3 multipart uploads, Azure block lists). The bytes collect in a buffer of at most one part: an object that fits
/// goes up with one request at commit; a larger one goes part by part, each part sent while the next one fills (at
/// most one part in flight, so at most two parts in memory). The store shows the object only at that one request or
/// at the final commit of the parts; an abandoned or failed upload shows nothing.
/// </summary>
/// <remarks>
/// <para>Subclasses say how a store does each step:</para>
/// <list type="number">
/// <item><see cref="PutWholeAsync"/>: an object of at most one part, at commit.</item>
/// <item><see cref="StartPartsAsync"/>: before the first part (S3 starts a multipart upload).</item>
/// <item><see cref="SendPartAsync"/>: one part, numbered from 1; the subclass records it when the store acknowledges it.</item>
/// <item><see cref="CompletePartsAsync"/>: the parts made into the object, at commit.</item>
/// <item><see cref="AbortPartsAsync"/>: what is left to clean up when the upload is abandoned or fails.</item>
/// </list>
/// <para>
/// Once a write has failed (a part the store refused, a cancelled write) the upload is broken: further writes and the
/// commit raise <see cref="IOException"/>, because committing what is left would make an object with a hole in it.
/// One caller drives an upload; only the commit and abandon guard is thread-safe.
/// </para>
/// </remarks>
internal abstract class MultipartObjectUpload : IObjectUpload
{
    private const int Open = 0;
    private const int Committing = 1;
    private const int Committed = 2;
    private const int Failed = 3;
    private const int Abandoned = 4;

    // Small objects (manifests, metadata) should not cost a whole part: the buffer starts here and doubles.
    private const int InitialBufferSize = 64 * 1024;

    private readonly int partSize;
    private readonly int maxParts;
    private readonly Dictionary<string, string>? metadata;
    private readonly MultipartUploadContentStream content;
    private byte[] buffer;
    private int filled;
    private byte[]? spare;
    private bool partsStarted;
    private Task? inFlight;
    private byte[]? inFlightBuffer;
    private int partsSent;
    private Exception? writeFailure;
    private long length;
    private int state = Open;

    protected MultipartObjectUpload(string key, int partSize, int maxParts, string? contentType, Dictionary<string, string>? metadata)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxParts);
        Key = key;
        this.partSize = partSize;
        this.maxParts = maxParts;
        ContentType = contentType;
        this.metadata = metadata;
        buffer = new byte[Math.Min(InitialBufferSize, partSize)];
        content = new MultipartUploadContentStream(this);
    }

    public string Key { get; }

    public Stream Content => content;

    /// <summary>Bytes written so far.</summary>
    public long Length => length;

    /// <summary>Parts sent and acknowledged so far (0 for an object sent with one request).</summary>
    internal int PartsSent => partsSent;

    /// <summary>Parts sent or being sent so far.</summary>
    internal int PartsStarted => partsSent + (inFlight is null ? 0 : 1);

    /// <summary>The content type to store with the object, if any.</summary>
    protected string? ContentType { get; }

    /// <summary>The custom metadata to store with the object, if any (validated for the store by the bucket).</summary>
    protected IDictionary<string, string>? Metadata => metadata;

    /// <summary>A remote store has no way to read an object before it is committed.</summary>
    public Stream? OpenConcurrentReader() => null;

    /// <summary>Copies as much of <paramref name="data"/> as fits without sending a part; returns how much.</summary>
    internal int TryCopy(ReadOnlySpan<byte> data)
    {
        if (writeFailure is not null)
        {
            // The asynchronous path raises the failure.
            return 0;
        }

        var total = 0;
        while (!data.IsEmpty)
        {
            if (filled == buffer.Length)
            {
                if (buffer.Length >= partSize)
                {
                    break;
                }

                Grow();
            }

            var count = Math.Min(data.Length, buffer.Length - filled);
            data[..count].CopyTo(buffer.AsSpan(filled));
            filled += count;
            length += count;
            total += count;
            data = data[count..];
        }

        return total;
    }

    internal async ValueTask WriteAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        ThrowIfWriteFailed();
        while (!data.IsEmpty)
        {
            if (filled == buffer.Length)
            {
                if (buffer.Length < partSize)
                {
                    Grow();
                }
                else
                {
                    try
                    {
                        await SendBufferAsync(cancellationToken);
                    }
                    catch (Exception ex)
                    {
                        writeFailure = ex;
                        throw;
                    }
                }
            }

            var count = Math.Min(data.Length, buffer.Length - filled);
            data[..count].CopyTo(buffer.AsMemory(filled));
            filled += count;
            length += count;
            data = data[count..];
        }
    }

    public async ValueTask<ObjectInfo> CommitAsync(CancellationToken cancellationToken = default)
    {
        var previous = Interlocked.CompareExchange(ref state, Committing, Open);
        if (previous != Open)
        {
            throw new InvalidOperationException(previous switch
            {
                Committing or Committed => $"The upload of '{Key}' is already committed.",
                Failed => $"The commit of '{Key}' failed earlier; start a new upload.",
                _ => $"The upload of '{Key}' was abandoned.",
            });
        }

        content.Close($"The upload of '{Key}' is committed; its content can no longer be written.");
        var published = false;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            ThrowIfWriteFailed();
            DateTimeOffset committedAt;
            if (!partsStarted)
            {
                committedAt = await PutWholeAsync(buffer, filled, cancellationToken);
            }
            else
            {
                await SendBufferAsync(cancellationToken);
                await CollectInFlightAsync();
                committedAt = await CompletePartsAsync(cancellationToken);
            }

            published = true;
            Volatile.Write(ref state, Committed);
            return new ObjectInfo(Key, length, ContentType, committedAt, ObjectMetadata.AsReadOnly(metadata));
        }
        finally
        {
            if (!published)
            {
                Volatile.Write(ref state, Failed);
                content.Close($"The commit of '{Key}' failed; its content can no longer be written.");
                await AbortAsync();
            }

            Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.CompareExchange(ref state, Abandoned, Open) != Open)
        {
            // Committed, failed (already cleaned up) or already abandoned.
            return;
        }

        content.Close($"The upload of '{Key}' was abandoned; its content can no longer be written.");
        await AbortAsync();
        Release();
    }

    /// <summary>Stores an object of at most one part with one request; returns when the store says it was written.</summary>
    protected abstract ValueTask<DateTimeOffset> PutWholeAsync(byte[] data, int count, CancellationToken cancellationToken);

    /// <summary>Prepares the store for parts, before the first one is sent.</summary>
    protected abstract ValueTask StartPartsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Sends part <paramref name="partNumber"/> (from 1) and records it once the store has it. Never more than one runs at
    /// a time, and they run in order. Store failures are <see cref="IOException"/>s.
    /// </summary>
    protected abstract Task SendPartAsync(byte[] data, int count, int partNumber, CancellationToken cancellationToken);

    /// <summary>Makes the recorded parts the object; returns when the store says it was written.</summary>
    protected abstract ValueTask<DateTimeOffset> CompletePartsAsync(CancellationToken cancellationToken);

    /// <summary>Cleans up after parts when the upload is abandoned or failed. Never throws.</summary>
    protected abstract ValueTask AbortPartsAsync();

    /// <summary>The failure for an object that needs more parts than the store allows.</summary>
    protected abstract IOException TooManyParts(int maxParts);

    private void ThrowIfWriteFailed()
    {
        if (writeFailure is { } failure)
        {
            throw new IOException($"An earlier write to '{Key}' failed ({failure.Message}); the upload can only be abandoned.", failure);
        }
    }

    private void Grow()
    {
        var larger = new byte[(int)Math.Min(partSize, 2L * buffer.Length)];
        buffer.AsSpan(0, filled).CopyTo(larger);
        buffer = larger;
    }

    /// <summary>Sends the buffer as the next part (preparing the store first), once the previous part is done.</summary>
    private async ValueTask SendBufferAsync(CancellationToken cancellationToken)
    {
        if (!partsStarted)
        {
            await StartPartsAsync(cancellationToken);
            partsStarted = true;
        }

        await CollectInFlightAsync();
        var partNumber = partsSent + 1;
        if (partNumber > maxParts)
        {
            throw TooManyParts(maxParts);
        }

        var full = buffer;
        var count = filled;
        buffer = spare ?? GC.AllocateUninitializedArray<byte>(partSize);
        spare = null;
        filled = 0;
        inFlightBuffer = full;
        inFlight = SendPartAsync(full, count, partNumber, cancellationToken);
    }

    /// <summary>Waits for the part in flight, if any, counts it, and keeps its buffer for the part after next.</summary>
    private async ValueTask CollectInFlightAsync()
    {
        if (inFlight is null)
        {
            return;
        }

        var task = inFlight;
        inFlight = null;
        await task;
        partsSent++;
        spare = inFlightBuffer;
        inFlightBuffer = null;
    }

    /// <summary>Waits out a part in flight, then lets the store clean up the parts, if any were started. Never throws.</summary>
    private async ValueTask AbortAsync()
    {
        if (inFlight is { } pending)
        {
            inFlight = null;
            try
            {
                await pending;
            }
            catch (Exception)
            {
                // The part's failure was reported to the writer, or nobody is left to care; the clean-up follows anyway.
            }
        }

        if (partsStarted)
        {
            partsStarted = false;
            await AbortPartsAsync();
        }
    }

    private void Release()
    {
        buffer = [];
        spare = null;
        inFlightBuffer = null;
    }
}
