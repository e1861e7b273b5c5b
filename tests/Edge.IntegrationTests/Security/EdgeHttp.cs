using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Edge.IntegrationTests.Infrastructure;

namespace Edge.IntegrationTests.Security;

/// <summary>Raw HTTP against an <see cref="EdgeProcess"/> (no redirects, no ambient proxy, bounded time).</summary>
internal static class EdgeHttp
{
    public const string ManifestAccept =
        "application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json, "
        + "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json";

    public static HttpClient CreateClient(TimeSpan? timeout = null) =>
        new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false })
        {
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
        };

    public static async Task<(HttpStatusCode Status, HttpResponseHeaders Headers, string Body)> SendAsync(
        HttpClient http,
        HttpMethod method,
        string url,
        string? authorization = null,
        string? host = null,
        IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        using var request = new HttpRequestMessage(method, url);
        request.Headers.TryAddWithoutValidation("Accept", ManifestAccept);
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        if (host is not null)
        {
            request.Headers.Host = host;
        }

        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.Headers, body);
    }

    public static string Basic(string user, string password) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password));

    /// <summary>
    /// Request log lines are written after the response is complete, so a client can see its answer before the line
    /// exists: wait (bounded) until <paramref name="condition"/> holds for the output, and return the output.
    /// </summary>
    public static async Task<string> WaitForOutputAsync(EdgeProcess edge, Func<string, bool> condition, string description)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var output = edge.Output;
            if (condition(output))
            {
                return output;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"edge's output did not show {description} within 10 s:{Environment.NewLine}{output}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The proxy's health endpoint answers 200.</summary>
    public static async Task AssertHealthyAsync(EdgeProcess edge)
    {
        using var http = CreateClient(TimeSpan.FromSeconds(10));
        using var response = await http.GetAsync(edge.Url + "/_edge/health");
        Assert.True(edge.IsRunning, "edge exited: " + edge.Output);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Parses <c>Bearer k="v",…</c> (quoted values may hold commas) into a dictionary; the scheme under key "".</summary>
    public static Dictionary<string, string> ParseChallenge(string header)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var space = header.IndexOf(' ', StringComparison.Ordinal);
        result[""] = space < 0 ? header : header[..space];
        var i = space < 0 ? header.Length : space + 1;
        while (i < header.Length)
        {
            while (i < header.Length && (header[i] == ',' || header[i] == ' '))
            {
                i++;
            }

            var eq = header.IndexOf('=', i);
            if (eq < 0)
            {
                break;
            }

            var key = header[i..eq].Trim();
            i = eq + 1;
            var value = new StringBuilder();
            if (i < header.Length && header[i] == '"')
            {
                i++;
                while (i < header.Length && header[i] != '"')
                {
                    if (header[i] == '\\' && i + 1 < header.Length)
                    {
                        i++;
                    }

                    value.Append(header[i++]);
                }

                i++;
            }
            else
            {
                while (i < header.Length && header[i] != ',')
                {
                    value.Append(header[i++]);
                }
            }

            result[key] = value.ToString().Trim();
        }

        return result;
    }

    /// <summary>The single WWW-Authenticate challenge of a response, parsed.</summary>
    public static Dictionary<string, string> Challenge(HttpResponseHeaders headers)
    {
        var values = headers.TryGetValues("WWW-Authenticate", out var v) ? v.ToList() : [];
        Assert.True(values.Count == 1, "expected exactly one WWW-Authenticate header, got: " + string.Join(" | ", values));
        return ParseChallenge(values[0]);
    }

    /// <summary>The first error code of a registry JSON error body.</summary>
    public static string? ErrorCode(string body) =>
        (JsonNode.Parse(body)?["errors"] as JsonArray)?.FirstOrDefault()?["code"]?.GetValue<string>();

    public static string? ErrorMessage(string body) =>
        (JsonNode.Parse(body)?["errors"] as JsonArray)?.FirstOrDefault()?["message"]?.GetValue<string>();
}
