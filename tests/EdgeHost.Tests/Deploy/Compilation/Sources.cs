using System.Text;

namespace Edge.Host.Tests.Deploy.Compilation;

/// <summary>Function files the compile tests deploy, as a user would write them: no using directives for the global ones.</summary>
internal static class Sources
{
    public const string Hello = """
        public sealed class Hello(IEdgeEnv env) : IFetchHandler
        {
            private readonly string _greeting = env.Vars["Greeting"] ?? "Hi";

            public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
                ValueTask.FromResult(Results.Text($"{_greeting} from {env.FunctionName} at {request.Path}, {ctx.Client.Host}"));
        }
        """;

    /// <summary>A handler using the three source generators refs/ carries: JSON, Regex and logging.</summary>
    public const string Generated = """
        using System.Text.Json.Serialization;
        using System.Text.RegularExpressions;

        namespace Demo;

        public sealed partial class Api(IEdgeEnv env) : IFetchHandler, IScheduledHandler
        {
            private readonly ILogger _logger = env.LoggerFactory.CreateLogger("api");

            public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx)
            {
                var id = IdPattern().Match(request.Path.Value ?? "");
                LogLookup(_logger, id.Value);
                var item = new Item(int.Parse(id.Value, System.Globalization.CultureInfo.InvariantCulture), [.. Enumerable.Range(1, 3).Select(i => $"tag{i}")]);
                return ValueTask.FromResult<IResult>(TypedResults.Json(item, ApiJson.Default.Item));
            }

            public ValueTask ScheduledAsync(ScheduledEvent scheduled, IEdgeEnv env, IExecutionContext ctx) => ValueTask.CompletedTask;

            [GeneratedRegex("[0-9]+")]
            private static partial Regex IdPattern();

            [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Lookup {Id}")]
            private static partial void LogLookup(ILogger logger, string id);
        }

        public sealed record Item(int Id, List<string> Tags);

        [JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
        [JsonSerializable(typeof(Item))]
        internal sealed partial class ApiJson : JsonSerializerContext;
        """;

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
