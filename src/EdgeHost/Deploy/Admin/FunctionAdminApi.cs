using System.Globalization;
using System.Net;
using System.Text.Json;
using Edge.Host.Admin;
using Edge.Host.Deploy.Versions;
using Edge.Host.Hosting;
using Edge.Tunnel.Agent;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Edge.Host.Deploy.Admin;

/// <summary>
/// The deploy API under <c>/_edge/functions</c>, used by the <c>edge</c> CLI:
/// <code>
/// GET    /_edge/functions                          every function (configured and deployed), its versions serving, routes
/// POST   /_edge/functions/NAME/deploy?kind=source|bundle[&amp;percent=P][&amp;message=M]
///                                                  multipart: "manifest" (edge.yaml), then "code" (NAME.cs or bundle.tar.gz)
/// GET    /_edge/functions/NAME/versions            its versions, newest first (secret names only)
/// POST   /_edge/functions/NAME/rollback[?version=vN]
/// POST   /_edge/functions/NAME/rollout?percent=P   0 ends a rollout, 100 promotes its candidate
/// DELETE /_edge/functions/NAME
/// GET    /_edge/functions/NAME/secrets             names
/// PUT    /_edge/functions/NAME/secrets/KEY         the value as the body
/// DELETE /_edge/functions/NAME/secrets/KEY
/// </code>
/// </summary>
/// <remarks>
/// The admin token is required (<see cref="AdminAuthenticator"/>: constant time, never logged). Unless
/// <c>Edge:Deploy:AllowRemote</c> is set, only a client on this machine is accepted: a loopback peer, not a request
/// that came through the tunnel or that a trusted proxy forwarded for someone else. Answers are JSON documents with a
/// status naming the outcome, a message, and every problem on its own line.
/// </remarks>
internal sealed partial class FunctionAdminApi(
    DeploymentManager deployments,
    FunctionRoutes routes,
    AdminAuthenticator auth,
    ClientInfoResolver clients,
    DeployOptions options,
    ILogger<FunctionAdminApi> logger)
{
    public const string Prefix = "/_edge/functions";

    /// <summary>Largest secret value accepted.</summary>
    public const int MaxSecretBytes = 64 * 1024;

    /// <summary>Largest manifest accepted.</summary>
    public const int MaxManifestBytes = 256 * 1024;

    public static bool Handles(PathString path) => path.StartsWithSegments(Prefix, StringComparison.Ordinal);

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        context.Response.Headers.CacheControl = "no-store";
        if (!options.AllowRemote && !IsLocal(context))
        {
            LogRefused(logger, request.Method, request.Path.Value ?? "", "not a local client");
            await WriteAsync(context, StatusCodes.Status403Forbidden, Fail("forbidden", "The deploy API answers clients on this machine only (set Edge:Deploy:AllowRemote=true to accept others, with the admin token)."));
            return;
        }

        switch (auth.Check(request))
        {
            case AdminAuthResult.NotConfigured:
                await WriteAsync(context, StatusCodes.Status404NotFound, Fail("disabled", $"The deploy API is disabled: set {auth.SettingName} (or {auth.SettingName}Sha256), then send Authorization: Bearer TOKEN."));
                return;
            case AdminAuthResult.Missing or AdminAuthResult.Invalid:
                LogRefused(logger, request.Method, request.Path.Value ?? "", "missing or invalid token");
                context.Response.Headers.WWWAuthenticate = "Bearer realm=\"edge-admin\"";
                await WriteAsync(context, StatusCodes.Status401Unauthorized, Fail("unauthorized", "The admin token is missing or wrong."));
                return;
        }

        var segments = (request.Path.Value ?? "")[Prefix.Length..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        var method = request.Method;
        var aborted = context.RequestAborted;
        var outcome = (segments, method) switch
        {
            ([], "GET") => null,
            ([var name], "DELETE") => await deployments.DeleteAsync(name, aborted),
            ([_, "versions"], "GET") => null,
            ([var name, "deploy"], "POST") => await DeployAsync(context, name),
            ([var name, "rollback"], "POST") => await RollbackAsync(context, name),
            ([var name, "rollout"], "POST") => await RolloutAsync(context, name),
            ([_, "secrets"], "GET") => null,
            ([var name, "secrets", var key], "PUT") => await PutSecretAsync(context, name, key),
            ([var name, "secrets", var key], "DELETE") => await deployments.ChangeSecretAsync(name, key, null, aborted),
            _ => DeployOutcome.Fail(DeployStatus.NotFound, $"No deploy API endpoint is {method} {request.Path}."),
        };

        if (outcome is not null)
        {
            LogOperation(logger, method, request.Path.Value ?? "", outcome.Status.ToString(), outcome.Version ?? "-");
            await WriteAsync(context, StatusOf(outcome.Status), new OperationDocument(Name(outcome.Status), outcome.Message, outcome.Errors, outcome.Version));
            return;
        }

        switch (segments)
        {
            case []:
                await WriteAsync(context, FunctionListing.Build(routes, deployments), FunctionApiJson.Default.ListFunctionDocument);
                break;
            case [var name, "versions"] when VersionStore.IsValidName(name):
                await WriteAsync(context, FunctionListing.Versions(deployments, name), FunctionApiJson.Default.ListVersionDocument);
                break;
            case [var name, "secrets"] when VersionStore.IsValidName(name):
                var state = deployments.Store.GetState(name);
                var current = state is null ? null : deployments.Store.Get(name, state.Current);
                await WriteAsync(context, current?.SecretNames.ToList() ?? [], FunctionApiJson.Default.ListString);
                break;
            default:
                await WriteAsync(context, StatusCodes.Status404NotFound, Fail("not-found", $"'{segments[0]}' is not a valid function name."));
                break;
        }
    }

    /// <summary>A client on this machine: a loopback peer, not through the tunnel, and (behind a trusted proxy) for a
    /// loopback client.</summary>
    private bool IsLocal(HttpContext context) =>
        context.Features.Get<ITunnelConnectionFeature>() is null
        && context.Connection.RemoteIpAddress is { } peer
        && IPAddress.IsLoopback(peer)
        && clients.Resolve(context).Address is { } client
        && IPAddress.IsLoopback(client);

    private async Task<DeployOutcome> DeployAsync(HttpContext context, string name)
    {
        var request = context.Request;
        var kind = request.Query["kind"].ToString() switch
        {
            "" or "source" => (CodeKind?)CodeKind.Source,
            "bundle" => CodeKind.Bundle,
            _ => null,
        };
        if (kind is null)
        {
            return DeployOutcome.Fail(DeployStatus.Invalid, "kind must be 'source' or 'bundle'.");
        }

        int? percent = null;
        if (request.Query["percent"].ToString() is { Length: > 0 } text)
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var p))
            {
                return DeployOutcome.Fail(DeployStatus.Invalid, $"percent '{text}' is not a whole number.");
            }

            percent = p;
        }

        var boundary = MediaTypeHeaderValue.TryParse(request.ContentType, out var type) && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            ? HeaderUtilities.RemoveQuotes(type.Boundary).Value
            : null;
        if (string.IsNullOrEmpty(boundary))
        {
            return DeployOutcome.Fail(DeployStatus.Invalid, "The deploy body must be multipart/form-data with a 'manifest' part, then a 'code' part.");
        }

        var reader = new MultipartReader(boundary, request.Body);
        var manifestSection = await reader.ReadNextSectionAsync(context.RequestAborted);
        if (manifestSection?.AsFormDataSection() is not { Name: "manifest" } manifestPart)
        {
            return DeployOutcome.Fail(DeployStatus.Invalid, "The first part of the deploy body must be 'manifest' (edge.yaml).");
        }

        var manifest = await ReadTextAsync(manifestPart.Section.Body, MaxManifestBytes, context.RequestAborted);
        if (manifest is null)
        {
            return DeployOutcome.Fail(DeployStatus.Invalid, $"The manifest is larger than {MaxManifestBytes / 1024} KiB or not UTF-8.");
        }

        return await deployments.DeployAsync(name, manifest, kind.Value, async (directory, ct) =>
        {
            var codeSection = await reader.ReadNextSectionAsync(ct);
            if (codeSection?.AsFileSection() is not { Name: "code" } code)
            {
                throw new CodeException("the second part of the deploy body must be the file 'code'");
            }

            await CodeUpload.WriteAsync(kind.Value, code.FileName, code.FileStream!, directory, options.MaxCodeBytes, ct);
        }, percent, request.Query["message"].ToString() is { Length: > 0 } m ? m : null, context.RequestAborted);
    }

    private Task<DeployOutcome> RollbackAsync(HttpContext context, string name)
    {
        var text = context.Request.Query["version"].ToString();
        if (text.Length == 0)
        {
            return deployments.RollbackAsync(name, null, context.RequestAborted);
        }

        return int.TryParse(text.TrimStart('v', 'V'), NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0
            ? deployments.RollbackAsync(name, number, context.RequestAborted)
            : Task.FromResult(DeployOutcome.Fail(DeployStatus.Invalid, $"'{text}' is not a version (v12 or 12)."));
    }

    private Task<DeployOutcome> RolloutAsync(HttpContext context, string name)
    {
        var text = context.Request.Query["percent"].ToString();
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var percent)
            ? deployments.SetRolloutAsync(name, percent, context.RequestAborted)
            : Task.FromResult(DeployOutcome.Fail(DeployStatus.Invalid, $"percent '{text}' is not a whole number from 0 to 100."));
    }

    private async Task<DeployOutcome> PutSecretAsync(HttpContext context, string name, string key)
    {
        var value = await ReadTextAsync(context.Request.Body, MaxSecretBytes, context.RequestAborted);
        return value is null
            ? DeployOutcome.Fail(DeployStatus.Invalid, $"A secret value must be UTF-8 text of at most {MaxSecretBytes / 1024} KiB.")
            : await deployments.ChangeSecretAsync(name, key, value, context.RequestAborted);
    }

    private static async Task<string?> ReadTextAsync(Stream body, int maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        for (var read = await body.ReadAsync(chunk, cancellationToken); read > 0; read = await body.ReadAsync(chunk, cancellationToken))
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            return new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        }
        catch (System.Text.DecoderFallbackException)
        {
            return null;
        }
    }

    private static int StatusOf(DeployStatus status) => status switch
    {
        DeployStatus.Ok => StatusCodes.Status200OK,
        DeployStatus.Invalid => StatusCodes.Status400BadRequest,
        DeployStatus.NotFound => StatusCodes.Status404NotFound,
        DeployStatus.Conflict => StatusCodes.Status409Conflict,
        _ => StatusCodes.Status422UnprocessableEntity,
    };

    private static string Name(DeployStatus status) => status switch
    {
        DeployStatus.Ok => "ok",
        DeployStatus.Invalid => "invalid",
        DeployStatus.NotFound => "not-found",
        DeployStatus.Conflict => "conflict",
        _ => "unstartable",
    };

    private static OperationDocument Fail(string status, string message) => new(status, message, [], null);

    private static Task WriteAsync(HttpContext context, int status, OperationDocument document)
    {
        context.Response.StatusCode = status;
        return WriteAsync(context, document, FunctionApiJson.Default.OperationDocument);
    }

    private static async Task WriteAsync<T>(HttpContext context, T document, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        await JsonSerializer.SerializeAsync(context.Response.Body, document, type, context.RequestAborted);
    }

    [LoggerMessage(EventId = 95, Level = LogLevel.Warning, Message = "Deploy API request {Method} {Path} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, string path, string reason);

    [LoggerMessage(EventId = 96, Level = LogLevel.Information, Message = "Deploy API {Method} {Path}: {Outcome} {Version}")]
    private static partial void LogOperation(ILogger logger, string method, string path, string outcome, string version);
}
