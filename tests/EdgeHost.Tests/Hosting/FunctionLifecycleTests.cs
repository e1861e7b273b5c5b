using System.Collections.Concurrent;
using System.Net;
using Edge.Functions;
using Edge.Host.Hosting;
using Edge.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Edge.Host.Tests.Hosting;

/// <summary>The SDK's lifecycle, response model and schedules inside the real host (Kestrel on loopback).</summary>
public sealed class FunctionLifecycleTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Lifecycle_StartBeforeTrafficThenStopAfterWaitUntilWorkThenDispose()
    {
        var events = new ConcurrentQueue<string>();
        var work = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var app = Build(("job", _ => new LifecycleHandler(events, work.Task)), ("Functions:job:Routes:0", "*"));
        var client = await StartAsync(app);
        await using (app)
        using (client)
        {
            Assert.Equal("ok", await client.GetStringAsync(new Uri("/", UriKind.Relative)));
            var stop = app.StopAsync();
            events.Enqueue("releasing background work");
            work.SetResult();
            await stop.WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(["constructed", "started", "fetch", "releasing background work", "background work done", "stopped", "disposed"], events);
    }

    [Fact]
    public async Task Lifecycle_StartThrows_HostRefusesToStartNamingTheFunction()
    {
        var app = Build(("job", _ => new FailingStartHandler()), ("Functions:job:Routes:0", "*"));
        await using (app)
        {
            var ex = await Assert.ThrowsAsync<EdgeConfigurationException>(() => app.StartAsync());

            Assert.Equal(["Functions:job: failed to start: InvalidOperationException: no database"], ex.Errors);
        }
    }

    [Fact]
    public async Task WaitUntil_WithToken_CancelledWhenTheHostStops()
    {
        var observed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var app = Build(("job", _ => new TokenWorkHandler(observed)), ("Functions:job:Routes:0", "*"), ("Edge:ShutdownTimeout", "00:05:00"));
        var client = await StartAsync(app);
        await using (app)
        using (client)
        {
            Assert.Equal("queued", await client.GetStringAsync(new Uri("/", UriKind.Relative)));
            await app.StopAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }

        Assert.True(await observed.Task, "the work's token was not cancelled at shutdown");
    }

    [Fact]
    public async Task Response_HandlerWroteItselfAndReturnedAResult_ResultNotExecuted()
    {
        var app = Build(("rude", _ => new WritesItselfHandler()), ("Functions:rude:Routes:0", "*"));
        var client = await StartAsync(app);
        await using (app)
        using (client)
        {
            var response = await client.GetAsync(new Uri("/", UriKind.Relative));

            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            Assert.Equal("written by the handler", await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Schedule_SecondsSchedule_FiresOnTheRealClockWithoutRoutes()
    {
        var fired = new TaskCompletionSource<ScheduledEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        var app = Build(
            ("tick", _ => new TickHandler(fired)),
            ("Functions:tick:Schedules:0:Cron", "* * * * * *"),
            ("Functions:tick:Schedules:0:TimeZone", "Europe/Berlin"));
        var client = await StartAsync(app);
        await using (app)
        using (client)
        {
            var scheduled = await fired.Task.WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(("* * * * * *", "Europe/Berlin", 0), (scheduled.Cron, scheduled.TimeZone, scheduled.ScheduledTime.Millisecond));
        }
    }

    [Fact]
    public void Build_SchedulesInvalidOrHandlerNotScheduled_EveryProblemReported()
    {
        var ex = Assert.Throws<EdgeConfigurationException>(() => Build(
            ("tick", _ => new TickHandler(new TaskCompletionSource<ScheduledEvent>())),
            ("Functions:tick:Schedules:0:Cron", "* * *"),
            ("Functions:tick:Schedules:1:Cron", "0 3 * * *"),
            ("Functions:tick:Schedules:1:TimeZone", "Nowhere/Else"),
            ("Functions:plain:Handler", "builtin:plain"),
            ("Functions:plain:Routes:0", "*"),
            ("Functions:plain:Schedules:0:Cron", "0 3 * * *")));

        Assert.Equal(
            [
                "Functions:plain:Schedules: the handler 'builtin:plain' has no scheduled handler (IScheduledHandler), so it cannot run on a schedule.",
                "Functions:tick:Schedules:0: Cron '* * *' has 3 fields: use five (minute hour day-of-month month day-of-week), six with seconds first, or a macro such as @hourly.",
                "Functions:tick:Schedules:1: TimeZone 'Nowhere/Else' is not a time zone known to this machine (use an IANA name such as Europe/Berlin).",
            ],
            ex.Errors);
    }

    private WebApplication Build((string Name, Func<IEdgeEnv, IFetchHandler> Factory) handler, params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Edge:DataDirectory"] = _dir.Combine("data"),
            ["Functions:registry:Enabled"] = "false",
            [$"Functions:{handler.Name}:Handler"] = "builtin:" + handler.Name,
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        var handlers = new Dictionary<string, Func<IEdgeEnv, IFetchHandler>>
        {
            [handler.Name] = handler.Factory,
            ["plain"] = _ => new WritesItselfHandler(),
        };
        return EdgeApplication.Build(null, [], settings, handlers);
    }

    private static async Task<HttpClient> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new HttpClient { BaseAddress = new Uri(address) };
    }

    private sealed class LifecycleHandler : IFetchHandler, IFunctionLifecycle, IAsyncDisposable
    {
        private readonly ConcurrentQueue<string> _events;
        private readonly Task _work;

        public LifecycleHandler(ConcurrentQueue<string> events, Task work)
        {
            _events = events;
            _work = work;
            events.Enqueue("constructed");
        }

        public Task StartAsync(CancellationToken cancellationToken)
        {
            _events.Enqueue("started");
            return Task.CompletedTask;
        }

        public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx)
        {
            _events.Enqueue("fetch");
            ctx.WaitUntil(FinishAsync());
            return ValueTask.FromResult(Results.Text("ok"));
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            _events.Enqueue("stopped");
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            _events.Enqueue("disposed");
            return ValueTask.CompletedTask;
        }

        private async Task FinishAsync()
        {
            await _work;
            _events.Enqueue("background work done");
        }
    }

    private sealed class FailingStartHandler : IFetchHandler, IFunctionLifecycle
    {
        public Task StartAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("no database");

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
            ValueTask.FromResult(Results.Empty);
    }

    private sealed class TokenWorkHandler(TaskCompletionSource<bool> observed) : IFetchHandler
    {
        public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx)
        {
            ctx.WaitUntil(async token =>
            {
                try
                {
                    await Task.Delay(Timeout.Infinite, token);
                    observed.TrySetResult(false);
                }
                catch (OperationCanceledException)
                {
                    observed.TrySetResult(true);
                }
            });
            return ValueTask.FromResult(Results.Text("queued"));
        }
    }

    private sealed class WritesItselfHandler : IFetchHandler
    {
        public async ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx)
        {
            request.HttpContext.Response.StatusCode = StatusCodes.Status202Accepted;
            await request.HttpContext.Response.WriteAsync("written by the handler", ctx.Aborted);
            return Results.Text(" and a result that must not follow");
        }
    }

    private sealed class TickHandler(TaskCompletionSource<ScheduledEvent> fired) : IFetchHandler, IScheduledHandler
    {
        public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
            ValueTask.FromResult(Results.Empty);

        public ValueTask ScheduledAsync(ScheduledEvent scheduled, IEdgeEnv env, IExecutionContext ctx)
        {
            fired.TrySetResult(scheduled);
            return ValueTask.CompletedTask;
        }
    }
}
