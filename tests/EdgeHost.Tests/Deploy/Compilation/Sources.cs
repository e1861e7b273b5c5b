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

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
