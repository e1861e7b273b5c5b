namespace Edge.RegistryProxy.Errors;

/// <summary>The error codes of the distribution spec the proxy answers with, plus its own upstream failures.</summary>
internal enum RegistryErrorCode
{
    BlobUnknown,
    DigestInvalid,
    ManifestUnknown,
    ManifestInvalid,
    NameInvalid,
    NameUnknown,
    TagInvalid,
    RangeInvalid,
    Unauthorized,
    Denied,
    Unsupported,
    TooManyRequests,
    Unavailable,
    NotFound,
}

/// <summary>Wire names and status codes of <see cref="RegistryErrorCode"/>.</summary>
internal static class RegistryErrorCodes
{
    public static string WireName(this RegistryErrorCode code) => code switch
    {
        RegistryErrorCode.BlobUnknown => "BLOB_UNKNOWN",
        RegistryErrorCode.DigestInvalid => "DIGEST_INVALID",
        RegistryErrorCode.ManifestUnknown => "MANIFEST_UNKNOWN",
        RegistryErrorCode.ManifestInvalid => "MANIFEST_INVALID",
        RegistryErrorCode.NameInvalid => "NAME_INVALID",
        RegistryErrorCode.NameUnknown => "NAME_UNKNOWN",
        RegistryErrorCode.TagInvalid => "TAG_INVALID",
        RegistryErrorCode.RangeInvalid => "RANGE_INVALID",
        RegistryErrorCode.Unauthorized => "UNAUTHORIZED",
        RegistryErrorCode.Denied => "DENIED",
        RegistryErrorCode.Unsupported => "UNSUPPORTED",
        RegistryErrorCode.TooManyRequests => "TOOMANYREQUESTS",
        RegistryErrorCode.Unavailable => "UNAVAILABLE",
        RegistryErrorCode.NotFound => "NOT_FOUND",
        _ => "UNKNOWN",
    };

    public static int DefaultStatus(this RegistryErrorCode code) => code switch
    {
        RegistryErrorCode.BlobUnknown or RegistryErrorCode.ManifestUnknown or RegistryErrorCode.NameUnknown or RegistryErrorCode.NotFound => 404,
        RegistryErrorCode.DigestInvalid or RegistryErrorCode.ManifestInvalid or RegistryErrorCode.NameInvalid or RegistryErrorCode.TagInvalid => 400,
        RegistryErrorCode.RangeInvalid => 416,
        RegistryErrorCode.Unauthorized => 401,
        RegistryErrorCode.Denied => 403,
        RegistryErrorCode.Unsupported => 405,
        RegistryErrorCode.TooManyRequests => 429,
        _ => 503,
    };
}
