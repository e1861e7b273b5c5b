using System.Collections;
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
/// caches and refreshes the given types, but leaves the types themselves in two tables, which
/// <see cref="ForgetTypeDescriptorProviders"/> removes them from.</item>
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
/// serializer metadata, once per retired version. Measured by this loader's tests: without the JSON handler, one
/// <c>JsonSerializer.Serialize</c> or <c>Results.Json</c> of a function's own type keeps the version loaded; without the
/// TypeDescriptor step, so does one <c>TypeDescriptor.GetConverter</c> of its own enum.
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

    /// <summary>Runs the clear-cache handlers of the loaded framework assemblies listed above for <paramref name="types"/>,
    /// then removes the types from TypeDescriptor's tables.</summary>
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

        ForgetTypeDescriptorProviders(types);
        return run;
    }

    /// <summary>
    /// Removes the function's types from the two TypeDescriptor tables its clear-cache handler leaves them in
    /// (System.ComponentModel.TypeConverter 10.0.12): <c>TypeDescriptor.s_defaultProviderInitialized</c> and the
    /// <c>_typeData</c> of each <c>ReflectTypeDescriptionProvider</c> (the handler empties a type's entry but keeps the
    /// type as its key; dotnet/runtime#114620). Found by this loader's tests and a walk of the framework's statics: a
    /// function that asked TypeDescriptor about its own type (<c>GetProperties</c>, or <c>GetConverter</c> of its own
    /// enum, as the configuration binder does to bind a value to an enum of its options) stayed loaded. Removing the
    /// entries only means TypeDescriptor would describe those types afresh, which it never will: they are being
    /// unloaded. The fields are private: if a later runtime renames or drops them, nothing is removed, and a version
    /// that stays loaded because of it is reported as any other.
    /// </summary>
    private static void ForgetTypeDescriptorProviders(Type[] types)
    {
        const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Static;
        const BindingFlags Instance = BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Instance;
        var descriptor = AssemblyLoadContext.Default.Assemblies
            .FirstOrDefault(a => a.GetName().Name == "System.ComponentModel.TypeConverter")?
            .GetType("System.ComponentModel.TypeDescriptor");
        if (descriptor is null)
        {
            return;
        }

        var tables = new List<IDictionary> { descriptor.GetField("s_defaultProviderInitialized", Private)?.GetValue(null) as IDictionary ?? new Hashtable() };
        if (descriptor.GetField("s_providerTable", Private)?.GetValue(null) is IDictionary providers)
        {
            foreach (var node in Snapshot(providers))
            {
                // Each entry is a chain of TypeDescriptionNode (Provider, Next); the reflection provider keeps _typeData.
                for (var current = node; current is not null; current = current.GetType().GetField("Next", Instance)?.GetValue(current))
                {
                    var provider = current.GetType().GetField("Provider", Instance)?.GetValue(current);
                    if (provider?.GetType().GetField("_typeData", Instance)?.GetValue(provider) is IDictionary typeData && !tables.Contains(typeData))
                    {
                        tables.Add(typeData);
                    }
                }
            }
        }

        foreach (var table in tables)
        {
            foreach (var type in types)
            {
                table.Remove(type);
            }
        }
    }

    /// <summary>The values of a table other threads may be adding to: a few tries, then nothing.</summary>
    private static List<object> Snapshot(IDictionary table)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                return table.Values.Cast<object>().ToList();
            }
            catch (InvalidOperationException)
            {
                // Modified while enumerated: try again.
            }
        }

        return [];
    }
}
