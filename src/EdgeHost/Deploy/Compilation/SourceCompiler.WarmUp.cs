using System.Text;

namespace Edge.Host.Deploy.Compilation;

internal sealed partial class SourceCompiler
{
    // Touches what a typical function does: the SDK, results, a JSON source-generated context, [GeneratedRegex] and
    // [LoggerMessage], so the three generators' code is compiled by the JIT along with the compiler's.
    private const string WarmUpSource = """
        using System.Text.Json.Serialization;
        using System.Text.RegularExpressions;

        public sealed partial class WarmUp(IEdgeEnv env) : IFetchHandler
        {
            private readonly ILogger _logger = env.LoggerFactory.CreateLogger("warm-up");

            public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx)
            {
                LogRequest(_logger, request.Path);
                var values = Digits().Matches(request.Path.Value ?? "").Select(m => m.Value.Length).ToArray();
                return ValueTask.FromResult(Results.Json(new Reply(env.FunctionName, values), WarmUpJson.Default.Reply));
            }

            [GeneratedRegex("[0-9]+")]
            private static partial Regex Digits();

            [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Request {Path}")]
            private static partial void LogRequest(ILogger logger, string path);
        }

        public sealed record Reply(string Name, int[] Values);

        [JsonSerializable(typeof(Reply))]
        internal sealed partial class WarmUpJson : JsonSerializerContext;
        """;

    /// <summary>
    /// Compiles a small function once, in the background, so the first real deploy does not pay for the compiler's JIT
    /// and for reading the reference assemblies (seconds: see the class remarks). Never throws: a failure is logged
    /// (event 133, or 134 when the compiler refuses its own function) and the first deploy then pays the cost, or reports
    /// the same problem itself.
    /// </summary>
    /// <remarks>
    /// The host calls it once when it starts serving and deploys are enabled, without awaiting it, for example
    /// <c>app.Lifetime.ApplicationStarted.Register(() =&gt; _ = compiler.WarmUpAsync(app.Lifetime.ApplicationStopping));</c>
    /// in <c>EdgeApplication</c>: after start, so it does not delay the host's readiness, and cancelled at shutdown. It
    /// keeps one core busy meanwhile (seconds; the compile itself is single-threaded), which is why a host that does not
    /// accept deploys should not call it.
    /// </remarks>
    /// <returns>How long the warm-up compile took, or null when it failed or was cancelled.</returns>
    public Task<TimeSpan?> WarmUpAsync(CancellationToken cancellationToken) => Task.Run(() =>
    {
        try
        {
            var result = CompileCore("warm-up.cs", Encoding.UTF8.GetBytes(WarmUpSource), handlerType: null, _time.GetTimestamp(), log: false, cancellationToken);
            if (!result.Succeeded)
            {
                LogWarmUpRejected(string.Join(Environment.NewLine, result.Lines));
                return null;
            }

            LogWarmedUp(result.Elapsed.TotalMilliseconds);
            return (TimeSpan?)result.Elapsed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception ex)
        {
            LogWarmUpFailed(ex);
            return null;
        }
    });
}
