using Edge.Functions;
using Edge.Host.Hosting;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Scheduling;

/// <summary>The context of one scheduled run.</summary>
internal sealed class ScheduledContext(ILogger logger, BackgroundWork background, CancellationToken aborted) : IExecutionContext
{
    public CancellationToken Aborted => aborted;

    public ILogger Logger => logger;

    public void WaitUntil(Task work) => background.Track(work);

    public void WaitUntil(Func<CancellationToken, Task> work) => background.Start(work);
}
