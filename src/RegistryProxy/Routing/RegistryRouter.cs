using Edge.RegistryProxy.Errors;

namespace Edge.RegistryProxy.Routing;

/// <summary>
/// Resolves a request to an upstream and repository. Precedence: containerd's <c>?ns=</c>, then a registry
/// host as the first path component, then the Host header (extra host or <c>NAME.Domain</c>), then the
/// default upstream. Only configured upstreams are reachable.
/// </summary>
internal sealed class RegistryRouter(UpstreamTable table)
{
    public const string TokenPathPrefix = "/_edge/token/";

    public UpstreamTable Table => table;

    public RouteResult Resolve(string host, string path, string? ns)
    {
        // The proxy's own token endpoint: /_edge/token/NAME
        if (path.StartsWith(TokenPathPrefix, StringComparison.Ordinal))
        {
            var tokenName = path[TokenPathPrefix.Length..];
            return table.TryGetByName(tokenName, out var tokenUpstream)
                ? new RegistryRoute(RouteKind.Token, tokenUpstream, "", "", null)
                : Fail(RegistryErrorCode.NotFound, $"No upstream named '{Printable(tokenName)}' has a token endpoint here.");
        }

        if (path is not "/v2" && !path.StartsWith("/v2/", StringComparison.Ordinal))
        {
            return Fail(RegistryErrorCode.NotFound, $"'{Printable(path)}' is not a registry API path; this is a registry mirror, use /v2/. {table.DescribeAddressing()}");
        }

        // 1-3: which upstream, before looking at the repository.
        Upstream? selected = null;
        var explicitSelection = false;
        if (!string.IsNullOrEmpty(ns))
        {
            if (!table.TryGetByRegistryHost(ns, out selected!))
            {
                return Fail(RegistryErrorCode.NameUnknown, $"Registry '{Printable(ns)}' (from ?ns=) is not configured on this mirror. {table.DescribeAddressing()}");
            }

            explicitSelection = true;
        }
        else
        {
            var match = table.MatchHost(StripPort(host));
            if (match.UnknownLabel is not null)
            {
                return Fail(RegistryErrorCode.NameUnknown, $"No upstream is named '{Printable(match.UnknownLabel)}' (from host '{Printable(host)}'). {table.DescribeAddressing()}");
            }

            if (match.Upstream is not null)
            {
                selected = match.Upstream;
                explicitSelection = true;
            }
        }

        var rest = path.Length <= 4 ? "" : path[4..];
        if (rest.Length == 0)
        {
            return new RegistryRoute(RouteKind.Base, selected ?? table.Default, "", "", null);
        }

        if (rest == "_catalog" || rest.StartsWith("_catalog?", StringComparison.Ordinal))
        {
            return Fail(RegistryErrorCode.Unsupported, "This mirror does not list its catalog.");
        }

        if (!TrySplit(rest, out var clientName, out var kind, out var reference))
        {
            return Fail(RegistryErrorCode.NotFound, $"'{Printable(path)}' is not a registry API path this mirror serves (manifests, blobs and tag lists are).");
        }

        if (kind == RouteKind.Blob && (reference == "uploads" || reference!.StartsWith("uploads/", StringComparison.Ordinal)))
        {
            return Fail(RegistryErrorCode.Unsupported, "This is a pull-through mirror: pushes are not supported.");
        }

        // 2: a registry host as the first path component (docker pull mirror/ghcr.io/owner/app).
        var upstream = selected ?? table.Default;
        var name = clientName;
        var slash = clientName.IndexOf('/', StringComparison.Ordinal);
        // ?ns= is containerd naming the registry itself; its paths never carry a registry prefix.
        if (string.IsNullOrEmpty(ns))
        {
            var first = slash > 0 ? clientName[..slash] : null;
            if (first is not null && RegistryNames.LooksLikeRegistryHost(first))
            {
                if (table.TryGetByRegistryHost(first, out var prefixed))
                {
                    upstream = prefixed;
                    name = clientName[(slash + 1)..];
                }
                else if (!explicitSelection)
                {
                    if (!RegistryNames.IsValidRegistryHost(first))
                    {
                        // "..", "a..b", "c:\x": not a registry anyone could have meant, just an invalid name.
                        return Fail(RegistryErrorCode.NameInvalid, $"Invalid repository name '{Printable(clientName)}': '{Printable(first)}' is neither a registry host nor a name component.");
                    }

                    return Fail(RegistryErrorCode.NameUnknown, $"Registry '{Printable(first)}' is not configured on this mirror. {table.DescribeAddressing()}");
                }
            }
        }

        if (!RegistryNames.IsValidRepository(name))
        {
            return Fail(RegistryErrorCode.NameInvalid, $"Invalid repository name '{Printable(clientName)}': lowercase letters, digits and separators (. _ __ -) in components joined by '/'.");
        }

        var repository = upstream.UpstreamRepository(name);
        if (repository.Length > RegistryNames.MaxNameLength)
        {
            return Fail(RegistryErrorCode.NameInvalid, $"Repository name '{clientName}' is longer than {RegistryNames.MaxNameLength} characters.");
        }

        switch (kind)
        {
            case RouteKind.Blob:
                if (!Digest.TryParse(reference, out var blobDigest))
                {
                    return Fail(RegistryErrorCode.DigestInvalid, $"Invalid digest '{Printable(reference!)}': expected sha256:<64 hex> or sha512:<128 hex>.");
                }

                return new RegistryRoute(kind, upstream, clientName, repository, reference) { Digest = blobDigest };
            case RouteKind.Manifest:
                if (reference!.Contains(':', StringComparison.Ordinal))
                {
                    if (!Digest.TryParse(reference, out var manifestDigest))
                    {
                        return Fail(RegistryErrorCode.DigestInvalid, $"Invalid digest '{Printable(reference)}': expected sha256:<64 hex> or sha512:<128 hex>.");
                    }

                    return new RegistryRoute(kind, upstream, clientName, repository, reference) { Digest = manifestDigest };
                }

                if (!RegistryNames.IsValidTag(reference))
                {
                    return Fail(RegistryErrorCode.TagInvalid, $"Invalid tag '{Printable(reference)}': up to 128 of [A-Za-z0-9_.-], not starting with '.' or '-'.");
                }

                return new RegistryRoute(kind, upstream, clientName, repository, reference);
            default:
                return new RegistryRoute(kind, upstream, clientName, repository, null);
        }
    }

    private static bool TrySplit(string rest, out string name, out RouteKind kind, out string? reference)
    {
        name = "";
        kind = RouteKind.Base;
        reference = null;
        if (rest.EndsWith("/tags/list", StringComparison.Ordinal))
        {
            name = rest[..^"/tags/list".Length];
            kind = RouteKind.TagList;
            return name.Length > 0;
        }

        // The reference never contains '/', so the last marker is the right one even when a repository
        // component is itself called "manifests" or "blobs". Upload paths are the exception, kept whole:
        // NAME/blobs/uploads, NAME/blobs/uploads/ or NAME/blobs/uploads/UUID, nothing deeper.
        const string UploadsMarker = "/blobs/uploads";
        var uploads = rest.LastIndexOf(UploadsMarker, StringComparison.Ordinal);
        var afterUploads = uploads > 0 ? rest[(uploads + UploadsMarker.Length)..] : null;
        if (afterUploads is not null && (afterUploads.Length == 0 || (afterUploads[0] == '/' && afterUploads.IndexOf('/', 1) < 0)))
        {
            name = rest[..uploads];
            kind = RouteKind.Blob;
            reference = rest[(uploads + "/blobs/".Length)..];
            return true;
        }

        foreach (var (marker, markerKind) in new[] { ("/manifests/", RouteKind.Manifest), ("/blobs/", RouteKind.Blob) })
        {
            var at = rest.LastIndexOf(marker, StringComparison.Ordinal);
            if (at > 0)
            {
                var tail = rest[(at + marker.Length)..];
                if (tail.Length > 0 && !tail.Contains('/', StringComparison.Ordinal))
                {
                    name = rest[..at];
                    kind = markerKind;
                    reference = tail;
                    return true;
                }
            }
        }

        return false;
    }

    private static string StripPort(string host)
    {
        var colon = host.LastIndexOf(':');
        return colon > 0 && !host.EndsWith(']') ? host[..colon] : host;
    }

    // Echo only printable ASCII of client input in messages, bounded, so errors cannot carry control characters.
    private static string Printable(string text)
    {
        var chars = text.Take(160).Select(c => c is >= ' ' and <= '~' ? c : '?').ToArray();
        return new string(chars) + (text.Length > 160 ? "…" : "");
    }

    private static RouteResult Fail(RegistryErrorCode code, string message) => new RegistryError(code, message);
}

/// <summary>Either a route or the error to answer with.</summary>
internal readonly struct RouteResult
{
    private RouteResult(RegistryRoute? route, RegistryError? error)
    {
        Route = route;
        Error = error;
    }

    public RegistryRoute? Route { get; }

    public RegistryError? Error { get; }

    public static implicit operator RouteResult(RegistryRoute route) => new(route, null);

    public static implicit operator RouteResult(RegistryError error) => new(null, error);
}
