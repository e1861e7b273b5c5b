using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage;
using Azure.Storage.Blobs;

namespace Edge.Bindings.Azure;

/// <summary>
/// Builds the Azure SDK client for an <c>azure</c> bucket's container, and checks its configuration. Credentials come
/// from a connection string, from an account name and shared key, or from a SAS token; none of them is ever quoted.
/// </summary>
internal static class AzureClient
{
    /// <summary>The container client of validated <paramref name="options"/>. Opens no connection yet.</summary>
    public static BlobContainerClient Create(BucketOptions options, HttpPipelineTransport? transport = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clientOptions = new BlobClientOptions();
        // Two more tries, soon after a failure: a store that is down should cost a pull a second or two before it is served
        // from upstream, not the SDK's default five tries over a minute. NetworkTimeout bounds each try and each read of a
        // body, so a consumer reading slowly is never cut off, but a store that stops sending is.
        clientOptions.Retry.Mode = RetryMode.Exponential;
        clientOptions.Retry.MaxRetries = 2;
        clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(200);
        clientOptions.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        clientOptions.Retry.NetworkTimeout = options.Timeout;
        if (transport is not null)
        {
            clientOptions.Transport = transport;
        }

        BlobServiceClient service;
        if (!string.IsNullOrEmpty(options.ConnectionString))
        {
            service = new BlobServiceClient(options.ConnectionString, clientOptions);
        }
        else if (!string.IsNullOrEmpty(options.AccountKey))
        {
            service = new BlobServiceClient(ServiceUri(options), new StorageSharedKeyCredential(options.AccountName, options.AccountKey), clientOptions);
        }
        else
        {
            service = new BlobServiceClient(ServiceUri(options), new AzureSasCredential(options.SasToken!.TrimStart('?')), clientOptions);
        }

        return service.GetBlobContainerClient(options.Container);
    }

    /// <summary>Configuration problems of an <c>azure</c> bucket, each naming its key; none quotes a credential.</summary>
    public static IEnumerable<string> Validate(string name, BucketOptions options)
    {
        var at = $"Edge:Buckets:{name}";
        if (string.IsNullOrWhiteSpace(options.Container))
        {
            yield return $"{at}:Container is required for an azure bucket: the blob container to store objects in.";
        }
        else if (!IsContainerName(options.Container))
        {
            yield return $"{at}:Container '{options.Container}' is not a container name: 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.";
        }

        foreach (var problem in CredentialProblems(at, options))
        {
            yield return problem;
        }

        if (options.BlockSize is < BucketOptions.MinBlockSize or > BucketOptions.MaxBlockSize)
        {
            yield return $"{at}:BlockSize {options.BlockSize} is outside {BucketOptions.MinBlockSize} (1 MiB) to {BucketOptions.MaxBlockSize} (1 GiB) bytes.";
        }
    }

    private static IEnumerable<string> CredentialProblems(string at, BucketOptions options)
    {
        if (!string.IsNullOrEmpty(options.ConnectionString))
        {
            var others = new[]
            {
                (Key: "AccountName", Set: !string.IsNullOrEmpty(options.AccountName)),
                (Key: "AccountKey", Set: !string.IsNullOrEmpty(options.AccountKey)),
                (Key: "SasToken", Set: !string.IsNullOrEmpty(options.SasToken)),
                (Key: "Endpoint", Set: !string.IsNullOrEmpty(options.Endpoint)),
            }.Where(o => o.Set).Select(o => $"{at}:{o.Key}").ToList();
            if (others.Count > 0)
            {
                yield return $"{at}:ConnectionString names the account, its endpoint and its credential; leave {string.Join(", ", others)} unset.";
            }

            if (!IsConnectionString(options.ConnectionString))
            {
                yield return $"{at}:ConnectionString is not an Azure Storage connection string with an account and a credential (its value is not shown: it holds a secret).";
            }

            yield break;
        }

        var hasKey = !string.IsNullOrEmpty(options.AccountKey);
        var hasSas = !string.IsNullOrEmpty(options.SasToken);
        if (!hasKey && !hasSas)
        {
            yield return $"{at}: an azure bucket needs credentials: {at}:ConnectionString, or {at}:AccountName with {at}:AccountKey, or {at}:SasToken with {at}:Endpoint or {at}:AccountName.";
        }

        if (hasKey && hasSas)
        {
            yield return $"{at}:AccountKey and {at}:SasToken are two ways to sign requests; set one.";
        }

        if (hasKey && string.IsNullOrEmpty(options.AccountName))
        {
            yield return $"{at}:AccountKey needs {at}:AccountName: the shared key signs requests for a named account.";
        }

        if (hasSas && string.IsNullOrEmpty(options.AccountName) && string.IsNullOrEmpty(options.Endpoint))
        {
            yield return $"{at}:SasToken needs {at}:Endpoint or {at}:AccountName to know which account it is for.";
        }

        if (hasKey && !IsBase64(options.AccountKey!))
        {
            yield return $"{at}:AccountKey is not base64, as a storage account key is (its value is not shown).";
        }

        if (hasSas && !IsSasToken(options.SasToken!))
        {
            yield return $"{at}:SasToken is not a shared access signature: it has no sig= parameter (its value is not shown).";
        }

        if (!string.IsNullOrEmpty(options.AccountName) && !IsAccountName(options.AccountName))
        {
            yield return $"{at}:AccountName '{options.AccountName}' is not a storage account name: 3 to 24 lowercase letters and digits.";
        }

        if (options.Endpoint is { Length: > 0 } endpoint && EndpointProblem(endpoint) is { } problem)
        {
            yield return $"{at}:Endpoint {problem}";
        }
    }

    private static Uri ServiceUri(BucketOptions options) =>
        options.Endpoint is { Length: > 0 } endpoint
            ? new Uri(endpoint, UriKind.Absolute)
            : new Uri($"https://{options.AccountName}.blob.core.windows.net", UriKind.Absolute);

    private static string? EndpointProblem(string endpoint)
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            // Not a URL: it may be a secret pasted into the wrong key, so it is not quoted.
            return "is not an http:// or https:// URL (its value is not shown).";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            // A query is where a SAS would be; user info is a password.
            return "must be the Blob service URL alone, without user info, query or fragment: a SAS goes in SasToken (its value is not shown).";
        }

        return null;
    }

    private static bool IsConnectionString(string value)
    {
        try
        {
            _ = new BlobServiceClient(value);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            return false;
        }
    }

    private static bool IsBase64(string value)
    {
        var bytes = new byte[((value.Length + 3) / 4) * 3];
        return Convert.TryFromBase64String(value, bytes, out var written) && written > 0;
    }

    private static bool IsSasToken(string value) =>
        value.TrimStart('?').Split('&').Any(p => p.StartsWith("sig=", StringComparison.Ordinal) && p.Length > 4);

    /// <summary>Azure's rule for storage account names.</summary>
    private static bool IsAccountName(string value) =>
        value.Length is >= 3 and <= 24 && value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c));

    /// <summary>Azure's rule for container names.</summary>
    private static bool IsContainerName(string value) =>
        value.Length is >= 3 and <= 63
        && value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
        && value[0] != '-' && value[^1] != '-'
        && !value.Contains("--", StringComparison.Ordinal);
}
