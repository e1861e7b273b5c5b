namespace Edge.Host.Deploy;

/// <summary>Uploaded code that cannot be read: too large, a bundle archive that is corrupt or escapes its directory.</summary>
internal sealed class CodeException(string message) : Exception(message);
