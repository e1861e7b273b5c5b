using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace Edge.Host.Hosting;

/// <summary>
/// A deployed function as its routes see it: the current version, and during a gradual rollout a candidate that gets
/// <see cref="CandidatePercent"/> percent of the requests.
/// </summary>
/// <remarks>
/// A client pins itself to a version with <c>Edge-Function-Version: v12</c> (honoured when v12 serves), or keeps to
/// one version across requests by sending the same <c>Edge-Version-Key</c> (hashed into the percentage the same way
/// on every host and after restarts); otherwise each
/// request is drawn at random. Every response says which version served it (<c>Edge-Function-Version</c>).
/// </remarks>
internal sealed class DeployedFunction(string name, FunctionInstance current, FunctionInstance? candidate, int candidatePercent) : IRouteTarget
{
    /// <summary>The request header that pins a version, and the response header that names it.</summary>
    public const string VersionHeader = "Edge-Function-Version";

    /// <summary>The request header whose value keeps a client on one side of a rollout.</summary>
    public const string VersionKeyHeader = "Edge-Version-Key";

    public string Name => name;

    public FunctionInstance Current => current;

    public FunctionInstance? Candidate => candidate;

    public int CandidatePercent => candidate is null ? 0 : candidatePercent;

    public FunctionInstance Pick(HttpRequest request)
    {
        if (candidate is null)
        {
            return current;
        }

        var pinned = request.Headers[VersionHeader].ToString();
        if (pinned.Length > 0)
        {
            if (string.Equals(pinned, candidate.Version, StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }

            if (string.Equals(pinned, current.Version, StringComparison.OrdinalIgnoreCase))
            {
                return current;
            }
        }

        var key = request.Headers[VersionKeyHeader].ToString();
        var slot = key.Length > 0
            ? (int)(BinaryPrimitives.ReadUInt64BigEndian(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key))) % 100)
            : Random.Shared.Next(100);
        return slot < candidatePercent ? candidate : current;
    }
}
