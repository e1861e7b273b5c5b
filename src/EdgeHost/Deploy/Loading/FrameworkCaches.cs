using System.Reflection;
using System.Reflection.Metadata;
using System.Runtime.Loader;

namespace Edge.Host.Deploy.Loading;

/// <summary>
/// Clears what the framework caches per type in process-wide statics before a function version is unloaded, so those
/// caches stop holding the function's types (a cached type keeps its whole load context alive).
/// </summary>
/// <remarks>
/// <para>
/// The mechanism is the documented one hot reload uses: an assembly declares
/// <see cref="MetadataUpdateHandlerAttribute"/> naming a type whose static <c>ClearCache(Type[]?)</c> drops its caches.
/// What .NET 10 has (Microsoft.NETCore.App and Microsoft.AspNetCore.App 10.0.12, listed by reading the attribute on every
/// framework assembly):
/// </para>
/// <list type="bullet">
/// <item>System.Text.Json: <c>JsonSerializerOptionsUpdateHandler</c> clears the metadata cache of every live
/// <c>JsonSerializerOptions</c> (the runtime tracks them all, not only under hot reload) and the member accessor caches.
/// Without it, one <c>Results.Json</c> of a function's own type keeps the function loaded for good.</item>
/// <item>System.ComponentModel.TypeConverter: <c>ReflectionCachesUpdateHandler</c> clears TypeDescriptor's reflection
/// caches and refreshes the given types.</item>
/// <item>Microsoft.Extensions.DependencyInjection.Abstractions: ActivatorUtilities' constructor cache.</item>
/// <item>Microsoft.AspNetCore.Http.Abstractions, Routing, Routing.Abstractions: PropertyHelper's and
/// RouteValueDictionary's per-type property caches.</item>
/// </list>
/// <para>
/// Only these are run, and only their <c>ClearCache</c>. Not System.Private.CoreLib's handler: its caches live on the
/// types themselves (they go with the context), and calling it switches on a process-wide filter of members deleted by
/// hot reload that slows reflection for good. Not MVC's, Razor components' or JSInterop's: the host does not use them,
/// and some of them rebuild application state (<c>UpdateApplication</c>) rather than drop a cache. A handler of an
/// assembly the host has not loaded has nothing cached and is skipped. Clearing costs the host one rebuild of its own
/// serializer metadata, once per retired version.
/// </para>
/// <para>
/// Caches no handler covers, which keep a version loaded if the function fills them: <c>XmlSerializer</c>'s generated
/// serializers, a <c>Meter</c>, <c>ActivitySource</c> or <c>EventSource</c> the function created and did not dispose
/// (they are listed process-wide), and anything the host itself keeps of the function's objects.
/// </para>
/// </remarks>
internal static class FrameworkCaches
{
    private static readonly HashSet<string> Clearable = new(StringComparer.Ordinal)
    {
        "System.Text.Json",
        "System.ComponentModel.TypeConverter",
        "Microsoft.Extensions.DependencyInjection.Abstractions",
        "Microsoft.AspNetCore.Http.Abstractions",
        "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Routing.Abstractions",
    };

    /// <summary>Runs the clear-cache handlers of the loaded framework assemblies listed above for <paramref name="types"/>.</summary>
    /// <param name="types">The types of the version being unloaded.</param>
    /// <param name="failed">Told about a handler that threw (the others still run).</param>
    /// <returns>The handlers run, by type name.</returns>
    public static IReadOnlyList<string> Clear(Type[] types, Action<string, Exception> failed)
    {
        var run = new List<string>();
        foreach (var assembly in AssemblyLoadContext.Default.Assemblies)
        {
            if (!Clearable.Contains(assembly.GetName().Name ?? ""))
            {
                continue;
            }

            foreach (var attribute in assembly.GetCustomAttributes<MetadataUpdateHandlerAttribute>())
            {
                var handler = attribute.HandlerType;
                var clear = handler.GetMethod("ClearCache", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic, [typeof(Type[])]);
                if (clear is null)
                {
                    continue;
                }

                try
                {
                    clear.Invoke(null, [types]);
                    run.Add(handler.FullName!);
                }
                catch (TargetInvocationException ex)
                {
                    failed(handler.FullName!, ex.InnerException ?? ex);
                }
            }
        }

        return run;
    }
}
