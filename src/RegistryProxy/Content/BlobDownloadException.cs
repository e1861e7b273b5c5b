namespace Edge.RegistryProxy.Content;

/// <summary>A shared blob download failed; every reader of it fails with this.</summary>
internal sealed class BlobDownloadException(string message, Exception inner) : Exception(message, inner);
