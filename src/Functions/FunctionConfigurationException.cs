namespace Edge.Functions;

/// <summary>
/// Thrown by a handler's constructor when its configuration is invalid. Carries every problem found, so
/// an operator fixes them all in one pass.
/// </summary>
public sealed class FunctionConfigurationException : Exception
{
    /// <summary>Creates the exception from a list of problems, each a complete sentence naming the key.</summary>
    public FunctionConfigurationException(IReadOnlyList<string> errors)
        : base("Invalid function configuration: " + string.Join(" ", errors))
    {
        ArgumentNullException.ThrowIfNull(errors);
        Errors = errors;
    }

    /// <summary>The problems found.</summary>
    public IReadOnlyList<string> Errors { get; }
}
