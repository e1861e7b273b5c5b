using Edge.Functions;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Hosting;

/// <summary>The per-request context the host hands to a handler.</summary>
internal sealed class FetchContext(CancellationToken aborted, ILogger logger, ClientInfo client, BackgroundWork background) : IFetchContext
{
    public CancellationToken Aborted => aborted;

    public ILogger Logger => logger;

    public ClientInfo Client => client;

    public void WaitUntil(Task work) => background.Track(work);
}
