using System.IO.Pipelines;

namespace Edge.RegistryProxy.Content;

/// <summary>
/// The response of the client that started a download, fed by the pump. A client that goes away is dropped
/// silently: the download is not the client's to stop.
/// </summary>
internal sealed class PrimarySink(PipeWriter writer, CancellationToken clientAborted)
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _detached;

    /// <summary>Completes when every byte was written or the client left; faults when the download failed.</summary>
    public Task Done => _done.Task;

    public async ValueTask WriteAsync(ReadOnlyMemory<byte> bytes)
    {
        if (_detached)
        {
            return;
        }

        try
        {
            // One contiguous segment per chunk: the socket then sends it in few large writes instead of walking
            // a chain of small pool blocks, as PipeWriter.WriteAsync would produce.
            var memory = writer.GetMemory(bytes.Length);
            bytes.CopyTo(memory);
            writer.Advance(bytes.Length);
            var result = await writer.FlushAsync(clientAborted);
            if (result.IsCanceled || result.IsCompleted)
            {
                Detach();
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            Detach();
        }
    }

    public async ValueTask CompleteAsync()
    {
        if (!_detached)
        {
            try
            {
                await writer.FlushAsync(clientAborted);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException)
            {
                // The client left after the last byte was queued; nothing to tell it.
            }
        }

        _done.TrySetResult();
    }

    public void Fail(Exception failure) => _done.TrySetException(failure);

    private void Detach()
    {
        _detached = true;
        _done.TrySetResult();
    }
}
