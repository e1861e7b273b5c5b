using System.Diagnostics.Metrics;

namespace Edge.Functions;

/// <summary>
/// The meter factory of environments that export no metrics (<see cref="IEdgeEnv.Meters"/>'s default): meters are
/// real, so handlers need no special case, but no host listens to them.
/// </summary>
internal sealed class UnexportedMeterFactory : IMeterFactory
{
    private UnexportedMeterFactory()
    {
    }

    public static UnexportedMeterFactory Instance { get; } = new();

    public Meter Create(MeterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Scoped to this factory, so a collector selecting the host's own factory never picks these up.
        options.Scope = this;
        return new Meter(options);
    }

    /// <summary>Process-wide and shared: its meters live as long as the handlers holding them.</summary>
    public void Dispose()
    {
    }
}
