using System.Reflection;
using Edge.Functions;

namespace Edge.Host.Deploy.Loading;

/// <summary>
/// Finds a function's handler class in its main assembly and constructs it, turning every way that can fail into an
/// error with a precise message (the exception of a failed constructor is kept for the log, never put in the message).
/// </summary>
internal static class FunctionActivator
{
    /// <summary>The outcome: a handler, or an error with its messages (and the exception behind it, for the log).</summary>
    public readonly record struct Activation(IFetchHandler? Handler, string? HandlerType, FunctionLoadError Error, IReadOnlyList<string> Errors, Exception? Exception);

    /// <param name="assembly">The function's main assembly.</param>
    /// <param name="handlerType">The handler's full type name, or null to find the one handler class.</param>
    /// <param name="env">What the constructor gets when it takes an <see cref="IEdgeEnv"/>.</param>
    public static Activation Activate(Assembly assembly, string? handlerType, IEdgeEnv env)
    {
        var found = handlerType is null ? FindHandler(assembly) : FindNamed(assembly, handlerType);
        return found.Type is null ? Failed(found.Error, found.Message!) : Construct(found.Type, env);
    }

    private static (Type? Type, FunctionLoadError Error, string? Message) FindHandler(Assembly assembly)
    {
        var name = assembly.GetName().Name;
        Type[] exported;
        try
        {
            exported = assembly.GetExportedTypes();
        }
        catch (Exception ex) when (IsLoadFailure(ex))
        {
            return (null, FunctionLoadError.DependencyMissing, $"The types of {name} cannot be loaded: {LoadFailureMessage(ex)}");
        }

        var handlers = exported.Where(IsHandlerClass).OrderBy(t => t.FullName, StringComparer.Ordinal).ToList();
        if (handlers.Count == 1)
        {
            return (handlers[0], FunctionLoadError.None, null);
        }

        if (handlers.Count > 1)
        {
            return (null, FunctionLoadError.HandlerAmbiguous, $"{name} has {handlers.Count} handler classes ({string.Join(", ", handlers.Select(t => t.FullName))}): name the one to run.");
        }

        var hidden = VisibleOrNot(assembly).Where(t => !t.IsVisible && t.IsClass && !t.IsAbstract && typeof(IFetchHandler).IsAssignableFrom(t)).Select(t => t.FullName).Order(StringComparer.Ordinal).ToList();
        return (null, FunctionLoadError.HandlerNotFound, hidden.Count == 0
            ? $"{name} has no public non-abstract class implementing Edge.Functions.IFetchHandler."
            : $"{name} has no public non-abstract class implementing Edge.Functions.IFetchHandler ({string.Join(", ", hidden)} implements it but is not public).");
    }

    private static (Type? Type, FunctionLoadError Error, string? Message) FindNamed(Assembly assembly, string typeName)
    {
        var name = assembly.GetName().Name;
        Type? type;
        try
        {
            type = assembly.GetType(typeName, throwOnError: false, ignoreCase: false);
        }
        catch (Exception ex) when (IsLoadFailure(ex))
        {
            return (null, FunctionLoadError.DependencyMissing, $"{typeName} in {name} cannot be loaded: {LoadFailureMessage(ex)}");
        }

        string? problem = type switch
        {
            null => null,
            _ when !typeof(IFetchHandler).IsAssignableFrom(type) => "does not implement Edge.Functions.IFetchHandler",
            _ when !type.IsClass => "is not a class",
            _ when type.IsAbstract => "is abstract",
            _ when type.ContainsGenericParameters => "is generic",
            _ when !type.IsVisible => "is not public",
            _ => "",
        };
        return problem switch
        {
            null => (null, FunctionLoadError.HandlerNotFound, $"{name} has no type {typeName}."),
            "" => (type, FunctionLoadError.None, null),
            _ => (null, FunctionLoadError.HandlerInvalid, $"{typeName} in {name} cannot be a handler: it {problem}."),
        };
    }

    private static Activation Construct(Type type, IEdgeEnv env)
    {
        var withEnv = type.GetConstructor([typeof(IEdgeEnv)]);
        var constructor = withEnv ?? type.GetConstructor(Type.EmptyTypes);
        if (constructor is null)
        {
            var present = type.GetConstructors().Select(c => "(" + string.Join(", ", c.GetParameters().Select(p => $"{p.ParameterType.Name} {p.Name}")) + ")").ToList();
            return Failed(FunctionLoadError.NoUsableConstructor, present.Count == 0
                ? $"{type.FullName} has no public constructor: give it a public constructor taking IEdgeEnv, or a public parameterless one."
                : $"{type.FullName} has no usable constructor: it needs a public constructor taking IEdgeEnv, or a public parameterless one; it has {string.Join(", ", present)}.");
        }

        try
        {
            // DoNotWrapExceptions: the constructor's own exception, not a TargetInvocationException around it.
            var handler = (IFetchHandler)constructor.Invoke(BindingFlags.DoNotWrapExceptions, binder: null, withEnv is null ? [] : [env], culture: null);
            return new Activation(handler, type.FullName, FunctionLoadError.None, [], null);
        }
        catch (FunctionConfigurationException ex)
        {
            return new Activation(null, type.FullName, FunctionLoadError.ConfigurationInvalid, ex.Errors.ToList(), null);
        }
        catch (Exception ex) when (IsLoadFailure(ex))
        {
            return new Activation(null, type.FullName, FunctionLoadError.DependencyMissing, [$"The constructor of {type.FullName} needs code that cannot be loaded: {LoadFailureMessage(ex)}"], ex);
        }
        catch (Exception ex)
        {
            var message = ex is TypeInitializationException { InnerException: { } inner } initializer
                ? $"The static constructor of {initializer.TypeName} threw {inner.GetType().Name}: {inner.Message}"
                : $"The constructor of {type.FullName} threw {ex.GetType().Name}: {ex.Message}";
            return new Activation(null, type.FullName, FunctionLoadError.ConstructorFailed, [message], ex);
        }
    }

    private static bool IsHandlerClass(Type type) =>
        type.IsClass && !type.IsAbstract && !type.ContainsGenericParameters && typeof(IFetchHandler).IsAssignableFrom(type);

    private static IEnumerable<Type> VisibleOrNot(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException ex)
        {
            return ex.Types.OfType<Type>();
        }
    }

    private static bool IsLoadFailure(Exception ex) =>
        ex is FileNotFoundException or FileLoadException or BadImageFormatException or TypeLoadException or ReflectionTypeLoadException;

    private static string LoadFailureMessage(Exception ex) => ex switch
    {
        ReflectionTypeLoadException { LoaderExceptions: [{ } first, ..] } => LoadFailureMessage(first),
        _ => ex.Message,
    };

    private static Activation Failed(FunctionLoadError error, string message) => new(null, null, error, [message], null);
}
