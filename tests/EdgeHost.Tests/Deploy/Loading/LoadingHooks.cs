using System.Collections.Concurrent;

namespace Edge.Host.Tests.Deploy.Loading;

/// <summary>
/// A type of the default load context (this test assembly, which the host binds functions to like any of its own) that
/// test functions root themselves in, the way a function subscribes to a host or framework event or starts a thread it
/// never stops; the tests release them again afterwards.
/// </summary>
public static class LoadingHooks
{
    /// <summary>A static event of a host type: a subscriber's handler, and so its whole context, lives as long as the
    /// host.</summary>
    public static event EventHandler? Rooted;

    /// <summary>What a never-ending thread of a test function waits for.</summary>
    public static ManualResetEventSlim Release { get; } = new();

    /// <summary>Threads test functions started, so the test can wait for them to end.</summary>
    public static ConcurrentQueue<Thread> Threads { get; } = new();

    /// <summary>Drops every subscriber of <see cref="Rooted"/>.</summary>
    public static void ClearRooted() => Rooted = null;

    /// <summary>Raises <see cref="Rooted"/> (so the event is used, and a subscriber is proven live).</summary>
    public static void Raise() => Rooted?.Invoke(null, EventArgs.Empty);
}
