using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Edge.RegistryProxy.Auth;

/// <summary>A token service's answer, read just enough to know the token and its lifetime.</summary>
internal sealed record TokenResponse(int Status, string? ContentType, byte[] Body, string? Token, TimeSpan Lifetime)
{
    /// <summary>The spec's default lifetime when a token service omits expires_in.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromSeconds(60);

    public bool Succeeded => Status == 200 && Token is not null;

    /// <summary>
    /// Reads a token body and makes sure it carries both <c>token</c> (docker) and <c>access_token</c>
    /// (containerd's OAuth path), whichever the service sent.
    /// </summary>
    public static TokenResponse FromBody(int status, string? contentType, byte[] body)
    {
        if (status != 200)
        {
            return new TokenResponse(status, contentType, body, null, TimeSpan.Zero);
        }

        JsonObject? json;
        try
        {
            json = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            json = null;
        }

        if (json is null)
        {
            return new TokenResponse(502, "application/json", body, null, TimeSpan.Zero);
        }

        var token = StringValue(json["token"]) ?? StringValue(json["access_token"]);
        if (token is null)
        {
            return new TokenResponse(502, "application/json", body, null, TimeSpan.Zero);
        }

        json["token"] = StringValue(json["token"]) ?? token;
        json["access_token"] = StringValue(json["access_token"]) ?? token;
        var lifetime = DefaultLifetime;
        if (json["expires_in"] is JsonValue expires && expires.TryGetValue<double>(out var seconds) && seconds > 0)
        {
            lifetime = TimeSpan.FromSeconds(Math.Min(seconds, TimeSpan.FromDays(1).TotalSeconds));
        }

        return new TokenResponse(200, "application/json", Serialize(json), token, lifetime);
    }

    private static string? StringValue(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0 ? text : null;

    /// <summary>A token of our own for when the upstream's token service cannot be reached: it grants nothing but public cache.</summary>
    public static TokenResponse Offline(TimeProvider time)
    {
        var token = ClientCredentials.OfflineTokenPrefix + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        var json = new JsonObject
        {
            ["token"] = token,
            ["access_token"] = token,
            ["expires_in"] = 60,
            ["issued_at"] = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture),
        };
        return new TokenResponse(200, "application/json", Serialize(json), token, DefaultLifetime);
    }

    /// <summary>
    /// Writes the body without System.Text.Json's HTML-safe escaping: it would turn the '+' of an <c>issued_at</c> offset into
    /// <c>\u002B</c>, which Go clients (docker, skopeo, containerd) cannot parse as a time.
    /// </summary>
    private static byte[] Serialize(JsonObject json)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteTo(writer);
        }

        return buffer.ToArray();
    }
}
