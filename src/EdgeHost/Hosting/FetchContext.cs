using Edge.Functions;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Hosting;

/// <summary>The per-request context the host hands to a handler.</summary>
internal sealed class FetchContext(ILogger logger, ClientInfo client, BackgroundWork background, CancellationToken aborted) : IFetchContext
{
    public CancellationToken Aborted => aborted;

    public ILogger Logger => logger;

    public ClientInfo Client => client;

    public void WaitUntil(Task work) => background.Track(work);

    public void WaitUntil(Func<CancellationToken, Task> work) => background.Start(work);
}
