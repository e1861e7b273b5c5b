using Edge.Host.Deploy.Compilation;

namespace Edge.Host.Tests.Deploy.Compilation;

/// <summary>
/// The handler is the one public, non-abstract, non-generic class implementing IFetchHandler with a constructor the
/// host can call, or the one the user names; anything else is a precise error.
/// </summary>
[Collection(CompilerCollection.Name)]
public sealed class HandlerTypeTests(CompilerFixture fixture)
{
    private const string Two = """
        namespace Shop;

        public sealed class Orders : IFetchHandler
        {
            public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
                ValueTask.FromResult(Results.Text("orders"));
        }

        public sealed class Carts : IFetchHandler
        {
            public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
                ValueTask.FromResult(Results.Text("carts"));
        }

        public sealed class Helper
        {
        }

        internal sealed class Hidden : IFetchHandler
        {
            public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
                ValueTask.FromResult(Results.Text("hidden"));
        }
        """;

    [Fact]
    public void Compile_NoHandler_SaysWhichClassesWereSetAside()
    {
        const string Source = """
            public sealed class Helper
            {
            }

            internal sealed class Hidden : IFetchHandler
            {
                public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
                    ValueTask.FromResult(Results.Text("hidden"));
            }

            public abstract class Base : IFetchHandler
            {
                public abstract ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx);
            }

            public sealed class Generic<T> : IFetchHandler
            {
                public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
                    ValueTask.FromResult(Results.Text(typeof(T).Name));
            }
            """;

        var result = fixture.Compiler.Compile("hello.cs", Sources.Utf8(Source));

        Assert.Equal(SourceCompileError.NoHandler, result.Error);
        Assert.Equal(
            ["hello.cs: error EDGE0001: No handler: the file declares no public, non-abstract, non-generic class implementing Edge.Functions.IFetchHandler (Hidden is not public; Base is abstract; Generic<T> is generic)."],
            result.Lines);
    }

    [Fact]
    public void Compile_EmptyFile_HasNoHandler()
    {
        var result = fixture.Compiler.Compile("empty.cs", []);

        Assert.Equal(SourceCompileError.NoHandler, result.Error);
        Assert.Equal(["empty.cs: error EDGE0001: No handler: the file declares no public, non-abstract, non-generic class implementing Edge.Functions.IFetchHandler."], result.Lines);
    }

    [Fact]
    public void Compile_SeveralHandlers_ListsThemInSourceOrder()
    {
        var result = fixture.Compiler.Compile("shop.cs", Sources.Utf8(Two));

        Assert.Equal(SourceCompileError.SeveralHandlers, result.Error);
        Assert.Equal(["shop.cs: error EDGE0002: Several handlers: the file declares Shop.Orders, Shop.Carts; name the one to deploy."], result.Lines);
    }

    [Theory]
    [InlineData("Carts")]
    [InlineData("Shop.Carts")]
    public async Task Compile_SeveralHandlersOneNamed_DeploysThatOne(string name)
    {
        var result = fixture.Compiler.Compile("shop.cs", Sources.Utf8(Two), handlerType: name);

        Assert.True(result.Succeeded, string.Join('\n', result.Lines));
        Assert.Equal("Shop.Carts", result.Function.HandlerTypeName);
        using var loaded = LoadedFunction.Load(result.Function, fixture.Env);
        Assert.Equal("carts", (await loaded.FetchAsync(fixture.Env, fixture.Services)).Body);
    }

    [Fact]
    public void Compile_NamedHandlerNotDeclared_ListsTheHandlers()
    {
        var result = fixture.Compiler.Compile("shop.cs", Sources.Utf8(Two), handlerType: "Payments");

        Assert.Equal(SourceCompileError.HandlerNotFound, result.Error);
        Assert.Equal(["shop.cs: error EDGE0003: The handler type 'Payments' is not declared in the file; classes implementing Edge.Functions.IFetchHandler in it: Shop.Orders, Shop.Carts, Shop.Hidden."], result.Lines);
    }

    [Fact]
    public void Compile_NamedTypeIsNoHandler_SaysWhy()
    {
        var helper = fixture.Compiler.Compile("shop.cs", Sources.Utf8(Two), handlerType: "Helper");
        var hidden = fixture.Compiler.Compile("shop.cs", Sources.Utf8(Two), handlerType: "Shop.Hidden");

        Assert.Equal(SourceCompileError.HandlerNotFound, helper.Error);
        Assert.Equal(["shop.cs(15,21): error EDGE0003: The type Shop.Helper is not a usable handler: it does not implement Edge.Functions.IFetchHandler."], helper.Lines);
        Assert.Equal(SourceCompileError.HandlerNotFound, hidden.Error);
        Assert.Equal(["shop.cs(19,23): error EDGE0003: The type Shop.Hidden is not a usable handler: it is not public; a handler is a public, non-abstract, non-generic class implementing Edge.Functions.IFetchHandler."], hidden.Lines);
    }

    [Fact]
    public void Compile_NamedTypeIsAmbiguous_AsksForTheFullName()
    {
        const string Source = """
            namespace A { public sealed class Api : IFetchHandler { public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) => ValueTask.FromResult(Results.Ok()); } }
            namespace B { public sealed class Api : IFetchHandler { public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) => ValueTask.FromResult(Results.Ok()); } }
            """;

        var ambiguous = fixture.Compiler.Compile("api.cs", Sources.Utf8(Source), handlerType: "Api");
        var chosen = fixture.Compiler.Compile("api.cs", Sources.Utf8(Source), handlerType: "B.Api");

        Assert.Equal(["api.cs: error EDGE0003: The handler type 'Api' names several types (A.Api, B.Api); give its full name."], ambiguous.Lines);
        Assert.Equal("B.Api", chosen.Function?.HandlerTypeName);
    }

    [Fact]
    public void Compile_NoUsableConstructor_PointsAtTheHandler()
    {
        const string Source = """
            public sealed class Hello(string name) : IFetchHandler
            {
                public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
                    ValueTask.FromResult(Results.Text(name));
            }
            """;

        var result = fixture.Compiler.Compile("hello.cs", Sources.Utf8(Source));

        Assert.Equal(SourceCompileError.NoUsableConstructor, result.Error);
        Assert.Equal(
            ["hello.cs(1,21): error EDGE0004: The handler Hello has no usable constructor: the host creates it through a public constructor taking (Edge.Functions.IEdgeEnv env) or a public parameterless one, and its public constructors are Hello.Hello(string)."],
            result.Lines);
    }

    [Fact]
    public void Compile_BothConstructors_PrefersTheEnvironment()
    {
        const string Source = """
            public sealed class Hello : IFetchHandler
            {
                public Hello()
                {
                }

                public Hello(IEdgeEnv env)
                {
                }

                public ValueTask<IResult> FetchAsync(HttpRequest request, IEdgeEnv env, IFetchContext ctx) =>
                    ValueTask.FromResult(Results.Ok());
            }
            """;

        var result = fixture.Compiler.Compile("hello.cs", Sources.Utf8(Source));

        Assert.True(result.Succeeded, string.Join('\n', result.Lines));
        Assert.True(result.Function.HandlerTakesEnvironment);
    }
}
