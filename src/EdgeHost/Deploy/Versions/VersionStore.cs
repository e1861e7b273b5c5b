using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Edge.Host.Deploy.Versions;

/// <summary>
/// Deployed functions on disk, under <c>DATA/functions/NAME/</c>: <c>versions/NNNNNNNN/</c> (one immutable directory per
/// version: <c>version.json</c>, <c>code/</c>, <c>secrets.json</c> readable by the owner only) and <c>state.json</c> (which
/// versions serve).
/// </summary>
/// <remarks>
/// A version is written under <c>.staging/</c> and renamed into place when complete, so a crash mid-deploy leaves no
/// half version (the leftovers are removed when the store opens). <c>state.json</c> is replaced by an atomic rename.
/// Writers of one function are serialized here; the deployment manager adds the policy (409 for a second deploy).
/// One host process owns a data directory.
/// </remarks>
internal sealed partial class VersionStore
{
    private const string VersionFile = "version.json";
    private const string SecretsFile = "secrets.json";
    private const string StateFile = "state.json";

    private readonly string _root;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    public VersionStore(string dataDirectory, TimeProvider time)
    {
        _root = Path.Combine(Path.GetFullPath(dataDirectory), "functions");
        _time = time;
        Directory.CreateDirectory(_root);
        foreach (var function in Directory.EnumerateDirectories(_root))
        {
            var staging = Path.Combine(function, ".staging");
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>Whether <paramref name="name"/> can name a function: a DNS label (lowercase letters, digits, inner
    /// hyphens, 1-63 characters), so it is safe in paths, URLs and host names.</summary>
    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    /// <summary>The functions that have versions, sorted.</summary>
    public IReadOnlyList<string> Functions() =>
        [.. Directory.EnumerateDirectories(_root)
            .Select(Path.GetFileName)
            .Where(n => IsValidName(n) && File.Exists(Path.Combine(_root, n!, StateFile)))
            .Order(StringComparer.Ordinal)!];

    /// <summary>
    /// Makes a new version of <paramref name="function"/>: <paramref name="writeCode"/> fills the code directory it is
    /// given, then the version is numbered and moved into place. Nothing is visible until it is complete; on any
    /// failure nothing remains.
    /// </summary>
    public async Task<FunctionVersion> CreateAsync(
        string function,
        FunctionManifest manifest,
        CodeKind code,
        Func<string, CancellationToken, Task> writeCode,
        IReadOnlyDictionary<string, string> secrets,
        string? message,
        CancellationToken cancellationToken)
    {
        ThrowIfInvalid(function);
        ArgumentNullException.ThrowIfNull(writeCode);
        var directory = Path.Combine(_root, function);
        var staging = Path.Combine(directory, ".staging", Guid.NewGuid().ToString("N"));
        var codeDirectory = Path.Combine(staging, "code");
        Directory.CreateDirectory(codeDirectory);
        try
        {
            await writeCode(codeDirectory, cancellationToken);
            var digest = await DigestAsync(codeDirectory, cancellationToken);
            await WriteSecretsAsync(Path.Combine(staging, SecretsFile), secrets, cancellationToken);

            var gate = _locks.GetOrAdd(function, _ => new SemaphoreSlim(1, 1));
            await gate.WaitAsync(cancellationToken);
            try
            {
                var number = (Numbers(function).DefaultIfEmpty(0).Max()) + 1;
                var version = new FunctionVersion(function, number, _time.GetUtcNow(), code, digest, manifest, [.. secrets.Keys.Order(StringComparer.Ordinal)], message);
                await File.WriteAllBytesAsync(Path.Combine(staging, VersionFile), JsonSerializer.SerializeToUtf8Bytes(version, VersionJson.Default.FunctionVersion), cancellationToken);
                var versions = Path.Combine(directory, "versions");
                Directory.CreateDirectory(versions);
                Directory.Move(staging, Path.Combine(versions, Folder(number)));
                return version;
            }
            finally
            {
                gate.Release();
            }
        }
        catch
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }

            throw;
        }
    }

    /// <summary>Every version of <paramref name="function"/>, newest first.</summary>
    public IReadOnlyList<FunctionVersion> List(string function)
    {
        ThrowIfInvalid(function);
        return [.. Numbers(function).OrderDescending().Select(n => Get(function, n)).OfType<FunctionVersion>()];
    }

    /// <summary>Version <paramref name="number"/> of <paramref name="function"/>, or null.</summary>
    public FunctionVersion? Get(string function, int number)
    {
        ThrowIfInvalid(function);
        var file = Path.Combine(_root, function, "versions", Folder(number), VersionFile);
        return File.Exists(file) ? JsonSerializer.Deserialize(File.ReadAllBytes(file), VersionJson.Default.FunctionVersion) : null;
    }

    /// <summary>The directory holding <paramref name="version"/>'s code.</summary>
    public string CodeDirectory(FunctionVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        return Path.Combine(_root, version.Function, "versions", Folder(version.Number), "code");
    }

    /// <summary>The secret values of <paramref name="version"/>.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ReadSecretsAsync(FunctionVersion version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(version);
        var file = Path.Combine(_root, version.Function, "versions", Folder(version.Number), SecretsFile);
        await using var stream = File.OpenRead(file);
        return await JsonSerializer.DeserializeAsync(stream, VersionJson.Default.DictionaryStringString, cancellationToken) ?? [];
    }

    /// <summary>Which versions of <paramref name="function"/> serve, or null when it is not deployed.</summary>
    public FunctionState? GetState(string function)
    {
        ThrowIfInvalid(function);
        var file = Path.Combine(_root, function, StateFile);
        return File.Exists(file) ? JsonSerializer.Deserialize(File.ReadAllBytes(file), VersionJson.Default.FunctionState) : null;
    }

    /// <summary>Replaces which versions serve, atomically (a crash leaves the old state or the new one).</summary>
    public async Task SetStateAsync(string function, FunctionState state, CancellationToken cancellationToken)
    {
        ThrowIfInvalid(function);
        ArgumentNullException.ThrowIfNull(state);
        var file = Path.Combine(_root, function, StateFile);
        var temporary = file + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
        {
            await JsonSerializer.SerializeAsync(stream, state, VersionJson.Default.FunctionState, cancellationToken);
        }

        File.Move(temporary, file, overwrite: true);
    }

    /// <summary>Removes <paramref name="function"/> and all its versions.</summary>
    public void Delete(string function)
    {
        ThrowIfInvalid(function);
        var directory = Path.Combine(_root, function);
        if (!Directory.Exists(directory))
        {
            return;
        }

        // The state goes first: a crash in the middle leaves versions nobody serves, never a half-deleted live function.
        File.Delete(Path.Combine(directory, StateFile));
        var doomed = Path.Combine(_root, ".deleted-" + function + "-" + Guid.NewGuid().ToString("N"));
        Directory.Move(directory, doomed);
        Directory.Delete(doomed, recursive: true);
    }

    /// <summary>Deletes one version (one that never served: its activation failed).</summary>
    public void DeleteVersion(string function, int number)
    {
        ThrowIfInvalid(function);
        var directory = Path.Combine(_root, function, "versions", Folder(number));
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// Deletes the oldest versions of <paramref name="function"/> beyond the newest <paramref name="keep"/>, never one in
    /// <paramref name="protect"/> (those serving). Returns the numbers deleted.
    /// </summary>
    public IReadOnlyList<int> Prune(string function, int keep, IReadOnlySet<int> protect)
    {
        ThrowIfInvalid(function);
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        var doomed = Numbers(function).OrderDescending().Skip(keep).Where(n => !protect.Contains(n)).ToList();
        foreach (var number in doomed)
        {
            Directory.Delete(Path.Combine(_root, function, "versions", Folder(number)), recursive: true);
        }

        return doomed;
    }

    private List<int> Numbers(string function)
    {
        var versions = Path.Combine(_root, function, "versions");
        if (!Directory.Exists(versions))
        {
            return [];
        }

        return Directory.EnumerateDirectories(versions)
            .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0)
            .Where(n => n > 0)
            .ToList();
    }

    private static string Folder(int number) => number.ToString("D8", CultureInfo.InvariantCulture);

    private static void ThrowIfInvalid(string function)
    {
        if (!IsValidName(function))
        {
            throw new ArgumentException($"'{function}' is not a valid function name (lowercase letters, digits and inner hyphens, at most 63).", nameof(function));
        }
    }

    private static async Task WriteSecretsAsync(string file, IReadOnlyDictionary<string, string> secrets, CancellationToken cancellationToken)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            // Created readable by the owner only: never a moment where another user could read it.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using var stream = new FileStream(file, options);
        await JsonSerializer.SerializeAsync(stream, secrets.ToDictionary(StringComparer.Ordinal), VersionJson.Default.DictionaryStringString, cancellationToken);
    }

    /// <summary>sha256 over the sorted relative paths and contents of every file under <paramref name="directory"/>.</summary>
    private static async Task<string> DigestAsync(string directory, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var files = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(directory, f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);
        var buffer = new byte[81920];
        foreach (var relative in files)
        {
            var name = System.Text.Encoding.UTF8.GetBytes(relative);
            hash.AppendData(BitConverter.GetBytes(name.Length));
            hash.AppendData(name);
            await using var stream = File.OpenRead(Path.Combine(directory, relative));
            hash.AppendData(BitConverter.GetBytes(stream.Length));
            for (var read = await stream.ReadAsync(buffer, cancellationToken); read > 0; read = await stream.ReadAsync(buffer, cancellationToken))
            {
                hash.AppendData(buffer, 0, read);
            }
        }

        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
