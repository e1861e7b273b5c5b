using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Edge.RegistryProxy.Errors;

/// <summary>
/// A failure as data: the registry error code, the status to answer with and a message for the person at the
/// client. Written in the distribution spec's JSON format.
/// </summary>
internal sealed record RegistryError(RegistryErrorCode Code, string Message, int? Status = null, string? Detail = null)
{
    public int StatusCode => Status ?? Code.DefaultStatus();

    /// <summary>Extra headers to send with the error (a challenge, rate-limit headers, Content-Range).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    private static string ReasonPhrase(string message)
    {
        var text = new string(message.Take(200).Select(c => c is >= ' ' and <= '~' ? c : ' ').ToArray());
        return text.Length == 0 ? "Upstream Error" : text;
    }

    public async Task WriteAsync(HttpResponse response, CancellationToken cancellationToken)
    {
        if (response.HasStarted)
        {
            response.HttpContext.Abort();
            return;
        }

        response.StatusCode = StatusCode;
        if (StatusCode >= 500 && response.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseFeature>() is { } feature)
        {
            // Clients such as skopeo print only the status line: put the reason there too (ASCII, one line).
            feature.ReasonPhrase = ReasonPhrase(Message);
        }

        response.ContentType = "application/json; charset=utf-8";
        foreach (var (name, value) in Headers)
        {
            response.Headers.Append(name, value);
        }

        var body = new ErrorBody([new ErrorEntry(Code.WireName(), Message, Detail)]);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, ReadableJson.ErrorBody);
        response.ContentLength = bytes.Length;
        if (!HttpMethods.IsHead(response.HttpContext.Request.Method))
        {
            await response.Body.WriteAsync(bytes, cancellationToken);
        }
    }
}

/// <summary>
/// Error bodies are read by people in terminals: quotes and angle brackets stay as they are instead of
/// \u0027-escapes. They are served as application/json, never embedded in HTML.
/// </summary>
internal static class ReadableJson
{
    public static readonly System.Text.Json.Serialization.Metadata.JsonTypeInfo<ErrorBody> ErrorBody =
        new RegistryJsonContext(new JsonSerializerOptions(RegistryJsonContext.Default.Options)
        {
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }).ErrorBody;
}

internal sealed record ErrorBody(IReadOnlyList<ErrorEntry> Errors);

internal sealed record ErrorEntry(string Code, string Message, string? Detail);
