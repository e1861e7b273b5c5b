using System.Diagnostics;
using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Edge.Host.Deploy.Admin;

namespace Edge.Host.Cli.Client;

/// <summary>
/// The CLI's commands that talk to a running host's deploy API: <c>deploy</c>, <c>list</c>, <c>versions</c>,
/// <c>rollback</c>, <c>rollout</c>, <c>delete</c>, <c>secret put|list|delete</c>. Exit status 0 on success, 1 when the
/// host refused or failed, 2 for a usage error.
/// </summary>
internal sealed class ClientCommands(TextWriter stdout, TextWriter stderr, TextReader stdin, Func<string, string?> environment)
{
    public static readonly string[] Commands = ["deploy", "list", "versions", "rollback", "rollout", "delete", "secret"];

    public const string Usage = """
          edge deploy PATH [--name NAME] [--manifest FILE] [--route R]... [--var K=V]... [--kv BINDING=NS]...
                      [--bucket BINDING=BUCKET]... [--schedule CRON]... [--timeout 30s] [--memory 256Mi]
                      [--isolation worker|in-process] [--handler TYPE] [--percent P] [--message TEXT]
                                                        deploy PATH: one .cs file (compiled by the host) or a function
                                                        project directory (built here with dotnet publish); edge.yaml
                                                        beside it is the manifest, flags override it
          edge list                                     every function, its version, routes and state
          edge versions NAME                            NAME's versions, newest first
          edge rollback NAME [VERSION]                  serve VERSION (default: the one before the current)
          edge rollout NAME PERCENT                     move a gradual rollout: 0 ends it, 100 promotes the new version
          edge delete NAME                              stop serving NAME and delete its versions
          edge secret put NAME KEY                      set secret KEY from stdin (a new version)
          edge secret list NAME | edge secret delete NAME KEY
                      these take [--host URL] [--token-file PATH] [--json]; the host and token also come from
                      EDGE_HOST, EDGE_TOKEN, EDGE_TOKEN_FILE or ~/.config/edge/cli.yaml (host, token, tokenFile)
        """;

    public async Task<int> RunAsync(string command, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var arguments = ClientArguments.Parse(args);
        if (arguments.Error is not null)
        {
            await stderr.WriteLineAsync(arguments.Error);
            return 2;
        }

        var errors = new List<string>();
        var settings = ClientSettings.Resolve(arguments.Get("--host"), arguments.Get("--token-file"), environment, errors);
        if (settings is null)
        {
            await WriteLinesAsync(stderr, errors);
            return 2;
        }

        using var http = new HttpClient { BaseAddress = settings.Host, Timeout = TimeSpan.FromMinutes(15) };
        if (settings.Token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", settings.Token);
        }

        var p = arguments.Positional;
        try
        {
            return (command, p.Count) switch
            {
                ("deploy", 1) => await DeployAsync(http, p[0], arguments, cancellationToken),
                ("list", 0) => await ListAsync(http, arguments.Has("--json"), cancellationToken),
                ("versions", 1) => await VersionsAsync(http, p[0], arguments.Has("--json"), cancellationToken),
                ("rollback", 1 or 2) => await OperationAsync(http, HttpMethod.Post, $"{p[0]}/rollback" + (p.Count == 2 ? "?version=" + Uri.EscapeDataString(p[1]) : ""), null, cancellationToken),
                ("rollout", 2) => await OperationAsync(http, HttpMethod.Post, $"{p[0]}/rollout?percent={Uri.EscapeDataString(p[1])}", null, cancellationToken),
                ("delete", 1) => await OperationAsync(http, HttpMethod.Delete, p[0], null, cancellationToken),
                ("secret", 3) when p[0] == "put" => await PutSecretAsync(http, p[1], p[2], cancellationToken),
                ("secret", 3) when p[0] == "delete" => await OperationAsync(http, HttpMethod.Delete, $"{p[1]}/secrets/{Uri.EscapeDataString(p[2])}", null, cancellationToken),
                ("secret", 2) when p[0] == "list" => await SecretListAsync(http, p[1], cancellationToken),
                _ => await UsageErrorAsync(command),
            };
        }
        catch (HttpRequestException ex)
        {
            await stderr.WriteLineAsync($"Could not reach the host at {settings.Host}: {ex.Message} (set --host, EDGE_HOST or host in ~/.config/edge/cli.yaml).");
            return 1;
        }
    }

    private async Task<int> DeployAsync(HttpClient http, string path, ClientArguments arguments, CancellationToken cancellationToken)
    {
        var isSource = File.Exists(path) && path.EndsWith(".cs", StringComparison.OrdinalIgnoreCase);
        if (!isSource && !Directory.Exists(path))
        {
            await stderr.WriteLineAsync($"'{path}' is neither a .cs file nor a function project directory.");
            return 2;
        }

        var full = Path.GetFullPath(path);
        var home = isSource ? Path.GetDirectoryName(full)! : full;
        var manifestFile = arguments.Get("--manifest") ?? (File.Exists(Path.Combine(home, "edge.yaml")) ? Path.Combine(home, "edge.yaml") : null);
        var errors = new List<string>();
        var manifest = DeployManifest.Load(manifestFile, errors);
        manifest.ReplaceList("Routes", arguments.All("--route"));
        manifest.SetPairs("Vars", "--var", arguments.All("--var"), errors);
        manifest.SetPairs("KeyValue", "--kv", arguments.All("--kv"), errors);
        manifest.SetPairs("Buckets", "--bucket", arguments.All("--bucket"), errors);
        manifest.ReplaceList("Schedules", arguments.All("--schedule"), "Cron");
        manifest.Set("Timeout", arguments.Get("--timeout"));
        manifest.Set("MemoryLimit", arguments.Get("--memory"));
        manifest.Set("Isolation", arguments.Get("--isolation"));
        manifest.Set("Handler", arguments.Get("--handler"));
        if (errors.Count > 0)
        {
            await WriteLinesAsync(stderr, errors);
            return 2;
        }

        var name = arguments.Get("--name") ?? manifest.Name ?? DefaultName(isSource ? Path.GetFileNameWithoutExtension(full) : Path.GetFileName(full));
        string codeFile;
        string? temporary = null;
        try
        {
            if (isSource)
            {
                codeFile = full;
            }
            else
            {
                temporary = Directory.CreateTempSubdirectory("edge-deploy-").FullName;
                codeFile = await BuildBundleAsync(full, temporary, cancellationToken);
                if (codeFile.Length == 0)
                {
                    return 1;
                }
            }

            var size = new FileInfo(codeFile).Length;
            await stderr.WriteLineAsync($"Deploying {name} ({(isSource ? "source" : "bundle")}, {Size(size)}) to {http.BaseAddress}...");
            await using var code = File.OpenRead(codeFile);
            using var form = new MultipartFormDataContent();
            form.Add(new StringContent(manifest.ToJson(), Encoding.UTF8, "application/json"), "manifest");
            var codeContent = new StreamContent(code);
            codeContent.Headers.ContentType = new MediaTypeHeaderValue(isSource ? "text/plain" : "application/gzip");
            form.Add(codeContent, "code", isSource ? Path.GetFileName(codeFile) : "bundle.tar.gz");
            var query = $"?kind={(isSource ? "source" : "bundle")}";
            if (arguments.Get("--percent") is { } percent)
            {
                query += "&percent=" + Uri.EscapeDataString(percent);
            }

            if (arguments.Get("--message") is { } message)
            {
                query += "&message=" + Uri.EscapeDataString(message);
            }

            return await OperationAsync(http, HttpMethod.Post, $"{Uri.EscapeDataString(name)}/deploy{query}", form, cancellationToken);
        }
        finally
        {
            if (temporary is not null)
            {
                Directory.Delete(temporary, recursive: true);
            }
        }
    }

    /// <summary>Publishes the project in <paramref name="project"/> and packs the output as a .tar.gz; "" on failure.</summary>
    private async Task<string> BuildBundleAsync(string project, string temporary, CancellationToken cancellationToken)
    {
        var output = Path.Combine(temporary, "out");
        await stderr.WriteLineAsync($"Building {project} (dotnet publish -c Release)...");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "publish", project, "-c", "Release", "-o", output, "--nologo" })
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet could not be started.");
        var stdoutTask = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderrTask = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            await stderr.WriteLineAsync($"The build failed (exit {process.ExitCode}):");
            await stderr.WriteLineAsync(await stdoutTask);
            await stderr.WriteLineAsync(await stderrTask);
            return "";
        }

        var archive = Path.Combine(temporary, "bundle.tar.gz");
        await using (var file = File.Create(archive))
        await using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        {
            await TarFile.CreateFromDirectoryAsync(output, gzip, includeBaseDirectory: false, cancellationToken);
        }

        return archive;
    }

    private async Task<int> OperationAsync(HttpClient http, HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, FunctionAdminApi.Prefix + "/" + path) { Content = content };
        using var response = await http.SendAsync(request, cancellationToken);
        var document = await ReadAsync(response, FunctionApiJson.Default.OperationDocument, cancellationToken);
        if (document is null)
        {
            return 1;
        }

        var writer = response.IsSuccessStatusCode ? stdout : stderr;
        await writer.WriteLineAsync(response.IsSuccessStatusCode ? document.Message : $"{(int)response.StatusCode} {response.ReasonPhrase}: {document.Message}");
        await WriteLinesAsync(writer, document.Errors);
        return response.IsSuccessStatusCode ? 0 : 1;
    }

    private async Task<int> ListAsync(HttpClient http, bool json, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri(FunctionAdminApi.Prefix, UriKind.Relative), cancellationToken);
        var functions = await ReadAsync(response, FunctionApiJson.Default.ListFunctionDocument, cancellationToken);
        if (functions is null)
        {
            return 1;
        }

        if (json)
        {
            await stdout.WriteLineAsync(JsonSerializer.Serialize(functions, FunctionApiJson.Default.ListFunctionDocument));
            return 0;
        }

        await WriteTableAsync(
            ["NAME", "SOURCE", "STATE", "VERSION", "ROLLOUT", "ISOLATION", "IN FLIGHT", "ROUTES", "SCHEDULES"],
            functions.Select(f => new[]
            {
                f.Name, f.Source, f.State, f.Version ?? "-", f.Candidate is null ? "-" : $"{f.Candidate} {f.CandidatePercent}%",
                f.Isolation ?? "host", f.InFlight.ToString(CultureInfo.InvariantCulture), f.Routes.Count == 0 ? "-" : string.Join(" ", f.Routes),
                f.Schedules.Count == 0 ? "-" : string.Join("; ", f.Schedules),
            }));
        foreach (var failed in functions.Where(f => f.Errors.Count > 0))
        {
            await stdout.WriteLineAsync($"{failed.Name}: {string.Join("; ", failed.Errors)}");
        }

        return 0;
    }

    private async Task<int> VersionsAsync(HttpClient http, string name, bool json, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri($"{FunctionAdminApi.Prefix}/{Uri.EscapeDataString(name)}/versions", UriKind.Relative), cancellationToken);
        var versions = await ReadAsync(response, FunctionApiJson.Default.ListVersionDocument, cancellationToken);
        if (versions is null)
        {
            return 1;
        }

        if (json)
        {
            await stdout.WriteLineAsync(JsonSerializer.Serialize(versions, FunctionApiJson.Default.ListVersionDocument));
            return 0;
        }

        await WriteTableAsync(
            ["VERSION", "CREATED (UTC)", "CODE", "SERVING", "SECRETS", "MESSAGE"],
            versions.Select(v => new[]
            {
                v.Version, v.Created.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), $"{v.Code} {v.Digest[..Math.Min(v.Digest.Length, 19)]}",
                v.Serving.Length == 0 ? "-" : v.Serving, v.Secrets.Count == 0 ? "-" : string.Join(",", v.Secrets), v.Message ?? "-",
            }));
        return 0;
    }

    private async Task<int> PutSecretAsync(HttpClient http, string name, string key, CancellationToken cancellationToken)
    {
        var value = await stdin.ReadToEndAsync(cancellationToken);
        if (value.EndsWith('\n'))
        {
            value = value[..^(value.EndsWith("\r\n", StringComparison.Ordinal) ? 2 : 1)];
        }

        using var content = new StringContent(value, Encoding.UTF8, "text/plain");
        return await OperationAsync(http, HttpMethod.Put, $"{Uri.EscapeDataString(name)}/secrets/{Uri.EscapeDataString(key)}", content, cancellationToken);
    }

    private async Task<int> SecretListAsync(HttpClient http, string name, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri($"{FunctionAdminApi.Prefix}/{Uri.EscapeDataString(name)}/secrets", UriKind.Relative), cancellationToken);
        var names = await ReadAsync(response, FunctionApiJson.Default.ListString, cancellationToken);
        if (names is null)
        {
            return 1;
        }

        await WriteLinesAsync(stdout, names);
        return 0;
    }

    /// <summary>The document of a 2xx answer; otherwise writes the host's message and returns null.</summary>
    private async Task<T?> ReadAsync<T>(HttpResponseMessage response, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var isJson = response.Content.Headers.ContentType?.MediaType == "application/json";
        if (response.IsSuccessStatusCode && isJson)
        {
            return JsonSerializer.Deserialize(body, type);
        }

        if (isJson && typeof(T) == typeof(OperationDocument))
        {
            return JsonSerializer.Deserialize(body, type);
        }

        var text = isJson && JsonSerializer.Deserialize(body, FunctionApiJson.Default.OperationDocument) is { } error
            ? string.Join(Environment.NewLine, [error.Message, .. error.Errors])
            : body.Trim();
        await stderr.WriteLineAsync($"The host answered {(int)response.StatusCode} {response.ReasonPhrase}: {text}");
        return null;
    }

    private async Task<int> UsageErrorAsync(string command)
    {
        await stderr.WriteLineAsync($"Wrong arguments for 'edge {command}'. Usage:");
        await stderr.WriteLineAsync(Usage);
        return 2;
    }

    private async Task WriteTableAsync(string[] header, IEnumerable<string[]> rows)
    {
        var all = new List<string[]> { header };
        all.AddRange(rows);
        var widths = Enumerable.Range(0, header.Length).Select(i => all.Max(r => r[i].Length)).ToArray();
        foreach (var row in all)
        {
            await stdout.WriteLineAsync(string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i]))).TrimEnd());
        }
    }

    private static async Task WriteLinesAsync(TextWriter writer, IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            await writer.WriteLineAsync(line);
        }
    }

    private static string DefaultName(string text)
    {
        var name = new string([.. text.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]).Trim('-');
        return name.Length > 63 ? name[..63].TrimEnd('-') : name;
    }

    private static string Size(long bytes) => bytes < 1024 * 1024
        ? $"{bytes / 1024.0:0.#} KiB"
        : $"{bytes / (1024.0 * 1024):0.#} MiB";
}
