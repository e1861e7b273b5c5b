namespace Edge.Functions;

/// <summary>Read access to a function's secrets.</summary>
public interface ISecretStore
{
    /// <summary>The secret named <paramref name="name"/>, or null when it is not set.</summary>
    string? Get(string name);
}
