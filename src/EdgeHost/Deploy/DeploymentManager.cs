using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Edge.Host.Deploy.Versions;
using Edge.Host.Hosting;
using Edge.Host.Scheduling;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Edge.Host.Deploy;

/// <summary>
/// Deploys, rolls back, rolls out and deletes user functions while the host serves, and starts the deployed ones with
/// the host.
/// </summary>
/// <remarks>
/// A deploy: check the name, manifest and routes (a route of another function is a conflict) → take the function's
/// lock (a second operation at once gets <see cref="DeployStatus.Conflict"/>) → stage the code and prepare it
/// (compile a source file) → make the version → start it (constructor, start hook) → record which versions serve →
/// switch the routes → drain the replaced version, then stop it. Until the switch nothing a client can see has
/// changed, and any failure before it removes the new version: a bad deploy changes nothing.
/// </remarks>
internal sealed partial class DeploymentManager(
    VersionStore store,
    FunctionRoutes routes,
    FunctionScheduler scheduler,
    IReadOnlyDictionary<FunctionIsolation, IVersionActivator> activators,
    DeployOptions options,
    TimeProvider time,
    ILogger<DeploymentManager> logger) : IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, LiveFunction> _live = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IReadOnlyList<string>> _failed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _retiring = new();
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>The deployed functions that serve, by name.</summary>
    public IReadOnlyDictionary<string, LiveFunction> Live => _live;

    /// <summary>Deployed functions that could not start with the host, and why.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Failed => _failed;

    /// <summary>The version store (for listings).</summary>
    public VersionStore Store => store;

    /// <summary>Deploys a new version of <paramref name="name"/>.</summary>
    /// <param name="name">The function.</param>
    /// <param name="manifestYaml">Its <c>edge.yaml</c>.</param>
    /// <param name="kind">What <paramref name="writeCode"/> writes.</param>
    /// <param name="writeCode">Writes the code into the directory it is given (bounded by the caller).</param>
    /// <param name="percent">1-99: a gradual rollout beside the current version; null or 100: replace it.</param>
    /// <param name="message">Why (shown by <c>edge versions</c>).</param>
    /// <param name="cancellationToken">The caller's cancellation (until the switch).</param>
    public async Task<DeployOutcome> DeployAsync(
        string name, string manifestYaml, CodeKind kind, Func<string, CancellationToken, Task> writeCode, int? percent, string? message, CancellationToken cancellationToken)
    {
        if (CheckName(name) is { } invalid)
        {
            return invalid;
        }

        if (percent is < 1 or > 100)
        {
            return DeployOutcome.Fail(DeployStatus.Invalid, "--percent must be between 1 and 100.");
        }

        var errors = new List<string>();
        var manifest = ManifestReader.FromYaml(manifestYaml, errors);
        if (manifest is null)
        {
            return DeployOutcome.Fail(DeployStatus.Invalid, $"The manifest of '{name}' is invalid; nothing changed.", errors);
        }

        var patterns = Patterns(manifest);
        if (routes.FindConflict(name, patterns) is { } conflict)
        {
            return DeployOutcome.Fail(DeployStatus.Conflict, $"Deploy of '{name}' refused: {conflict}; nothing changed.");
        }

        return await LockedAsync(name, async () =>
        {
            var activator = activators[manifest.Isolation];
            var current = store.GetState(name);
            var secrets = current is null || store.Get(name, current.Current) is not { } serving
                ? new Dictionary<string, string>()
                : await store.ReadSecretsAsync(serving, cancellationToken);
            FunctionVersion version;
            try
            {
                version = await store.CreateAsync(name, manifest, kind, async (directory, ct) =>
                {
                    await writeCode(directory, ct);
                    var problems = await activator.PrepareAsync(kind, directory, manifest, ct);
                    if (problems.Count > 0)
                    {
                        throw new PrepareException(problems);
                    }
                }, secrets, message, cancellationToken);
            }
            catch (PrepareException ex)
            {
                return DeployOutcome.Fail(DeployStatus.Invalid, $"The code of '{name}' does not build; nothing changed.", ex.Problems);
            }
            catch (CodeException ex)
            {
                return DeployOutcome.Fail(DeployStatus.Invalid, $"The code of '{name}' could not be read: {ex.Message}; nothing changed.");
            }

            var rollout = percent is < 100 && current is not null;
            var outcome = await SwitchAsync(name, version, rollout ? percent!.Value : 100, cancellationToken);
            if (outcome.Status != DeployStatus.Ok)
            {
                store.DeleteVersion(name, version.Number);
            }

            return outcome;
        });
    }

    /// <summary>Serves <paramref name="number"/> (default: the newest version older than the current one) instead of the
    /// current version, with that version's own code, vars, bindings and secrets.</summary>
    public Task<DeployOutcome> RollbackAsync(string name, int? number, CancellationToken cancellationToken)
    {
        if (CheckName(name) is { } invalid)
        {
            return Task.FromResult(invalid);
        }

        return LockedAsync(name, async () =>
        {
            if (store.GetState(name) is not { } state)
            {
                return DeployOutcome.Fail(DeployStatus.NotFound, $"No function '{name}' is deployed.");
            }

            var target = number is { } n
                ? store.Get(name, n)
                : store.List(name).FirstOrDefault(v => v.Number < state.Current);
            if (target is null)
            {
                return DeployOutcome.Fail(DeployStatus.NotFound, number is null
                    ? $"'{name}' has no version older than v{state.Current} to roll back to."
                    : $"'{name}' has no version v{number} (edge versions {name} lists them).");
            }

            if (routes.FindConflict(name, Patterns(target.Manifest)) is { } conflict)
            {
                return DeployOutcome.Fail(DeployStatus.Conflict, $"Rollback of '{name}' to {target.Id} refused: {conflict}; nothing changed.");
            }

            return await SwitchAsync(name, target, 100, cancellationToken);
        });
    }

    /// <summary>Changes a running rollout: 0 ends it (the candidate stops), 100 promotes the candidate, 1-99 moves the
    /// split.</summary>
    public Task<DeployOutcome> SetRolloutAsync(string name, int percent, CancellationToken cancellationToken)
    {
        if (CheckName(name) is { } invalid)
        {
            return Task.FromResult(invalid);
        }

        if (percent is < 0 or > 100)
        {
            return Task.FromResult(DeployOutcome.Fail(DeployStatus.Invalid, "The rollout percentage must be between 0 and 100."));
        }

        return LockedAsync(name, async () =>
        {
            if (!_live.TryGetValue(name, out var live) || live.Candidate?.Instance is null || store.GetState(name) is not { Candidate: { } candidate } state)
            {
                return DeployOutcome.Fail(DeployStatus.NotFound, $"'{name}' has no rollout in progress.");
            }

            if (percent == 0)
            {
                await store.SetStateAsync(name, new FunctionState(state.Current), cancellationToken);
                Publish(name, live with { Target = new DeployedFunction(name, live.Current.Instance!, null, 0), Candidate = null });
                Retire(live.Candidate);
                return new DeployOutcome(DeployStatus.Ok, $"Rollout of '{name}' ended: v{state.Current} serves everything.", [], "v" + state.Current);
            }

            if (percent == 100)
            {
                await store.SetStateAsync(name, new FunctionState(candidate), cancellationToken);
                Publish(name, live with { Target = new DeployedFunction(name, live.Candidate.Instance, null, 0), Current = live.Candidate, Candidate = null });
                Retire(live.Current);
                return new DeployOutcome(DeployStatus.Ok, $"'{name}' v{candidate} promoted: it serves everything.", [], "v" + candidate);
            }

            await store.SetStateAsync(name, state with { CandidatePercent = percent }, cancellationToken);
            Publish(name, live with { Target = new DeployedFunction(name, live.Current.Instance!, live.Candidate.Instance, percent) });
            return new DeployOutcome(DeployStatus.Ok, $"'{name}' v{candidate} now gets {percent}% of requests.", [], "v" + state.Current);
        });
    }

    /// <summary>Stops serving <paramref name="name"/> and deletes all its versions.</summary>
    public Task<DeployOutcome> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        if (CheckName(name) is { } invalid)
        {
            return Task.FromResult(invalid);
        }

        return LockedAsync(name, () =>
        {
            if (store.GetState(name) is null && !_live.ContainsKey(name))
            {
                return Task.FromResult(DeployOutcome.Fail(DeployStatus.NotFound, $"No function '{name}' is deployed."));
            }

            routes.Remove(name);
            if (_live.TryRemove(name, out var live))
            {
                Retire(live.Current);
                if (live.Candidate is not null)
                {
                    Retire(live.Candidate);
                }
            }

            _failed.TryRemove(name, out _);
            store.Delete(name);
            return Task.FromResult(new DeployOutcome(DeployStatus.Ok, $"'{name}' deleted: its routes are gone and its versions removed.", []));
        });
    }

    /// <summary>Sets (or with a null <paramref name="value"/> removes) secret <paramref name="key"/>: a new version with
    /// the current one's code and manifest and the changed secrets.</summary>
    public Task<DeployOutcome> ChangeSecretAsync(string name, string key, string? value, CancellationToken cancellationToken)
    {
        if (CheckName(name) is { } invalid)
        {
            return Task.FromResult(invalid);
        }

        if (!SecretKeyPattern().IsMatch(key))
        {
            return Task.FromResult(DeployOutcome.Fail(DeployStatus.Invalid, $"'{key}' is not a secret name (letters, digits and '_', not starting with a digit, at most 128)."));
        }

        return LockedAsync(name, async () =>
        {
            if (store.GetState(name) is not { } state || store.Get(name, state.Current) is not { } current)
            {
                return DeployOutcome.Fail(DeployStatus.NotFound, $"No function '{name}' is deployed.");
            }

            if (state.Candidate is not null)
            {
                return DeployOutcome.Fail(DeployStatus.Conflict, $"'{name}' has a rollout in progress: finish it (edge rollout {name} 100) or end it (edge rollout {name} 0) first.");
            }

            var secrets = new Dictionary<string, string>(await store.ReadSecretsAsync(current, cancellationToken), StringComparer.Ordinal);
            if (value is null && !secrets.Remove(key))
            {
                return DeployOutcome.Fail(DeployStatus.NotFound, $"'{name}' has no secret '{key}'.");
            }

            if (value is not null)
            {
                secrets[key] = value;
            }

            var source = store.CodeDirectory(current);
            var version = await store.CreateAsync(name, current.Manifest, current.Code, (directory, ct) => CopyDirectoryAsync(source, directory, ct), secrets, value is null ? $"secret delete {key}" : $"secret put {key}", cancellationToken);
            var outcome = await SwitchAsync(name, version, 100, cancellationToken);
            if (outcome.Status != DeployStatus.Ok)
            {
                store.DeleteVersion(name, version.Number);
            }

            return outcome;
        });
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var name in store.Functions())
        {
            if (routes.ConfiguredNames.Contains(name))
            {
                _failed[name] = [$"The host's configuration has a function named '{name}'; the deployed one does not start."];
                continue;
            }

            var state = store.GetState(name)!;
            var current = store.Get(name, state.Current);
            var candidate = state.Candidate is { } c ? store.Get(name, c) : null;
            if (current is null)
            {
                _failed[name] = [$"Its current version v{state.Current} is missing from the data directory."];
                continue;
            }

            if (routes.FindConflict(name, Patterns(current.Manifest)) is { } conflict)
            {
                _failed[name] = [$"Not started: {conflict}."];
                continue;
            }

            var started = await StartVersionAsync(current, cancellationToken);
            if (started.Instance is null)
            {
                _failed[name] = started.Errors;
                LogStartFailed(logger, name, current.Id, string.Join("; ", started.Errors));
                continue;
            }

            Activation? rollout = null;
            if (candidate is not null)
            {
                rollout = await StartVersionAsync(candidate, cancellationToken);
                if (rollout.Instance is null)
                {
                    LogStartFailed(logger, name, candidate.Id, string.Join("; ", rollout.Errors));
                    rollout = null;
                }
            }

            Publish(name, new LiveFunction(
                new DeployedFunction(name, started.Instance, rollout?.Instance, rollout is null ? 0 : state.CandidatePercent),
                Patterns(current.Manifest),
                started,
                rollout));
            LogStarted(logger, name, current.Id);
        }
    }

    public void Dispose() => _stopping.Dispose();

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        foreach (var (name, live) in _live)
        {
            routes.Remove(name);
            Retire(live.Current, drain: false);
            if (live.Candidate is not null)
            {
                Retire(live.Candidate, drain: false);
            }
        }

        _live.Clear();
        try
        {
            await Task.WhenAll(_retiring.Keys).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's grace period is over; the process is ending anyway.
        }
    }

    private async Task<DeployOutcome> SwitchAsync(string name, FunctionVersion version, int percent, CancellationToken cancellationToken)
    {
        var started = await StartVersionAsync(version, cancellationToken);
        if (started.Instance is null)
        {
            return DeployOutcome.Fail(DeployStatus.Unstartable, $"{version.Id} of '{name}' did not start; nothing changed.", started.Errors);
        }

        _live.TryGetValue(name, out var previous);
        var patterns = Patterns(version.Manifest);
        LiveFunction live;
        FunctionState state;
        if (percent < 100 && previous is not null)
        {
            // A rollout beside the current version; a candidate from an earlier rollout is replaced.
            live = previous with { Target = new DeployedFunction(name, previous.Current.Instance!, started.Instance, percent), Candidate = started };
            state = new FunctionState(store.GetState(name)!.Current, version.Number, percent);
        }
        else
        {
            live = new LiveFunction(new DeployedFunction(name, started.Instance, null, 0), patterns, started, null);
            state = new FunctionState(version.Number);
        }

        try
        {
            await store.SetStateAsync(name, state, cancellationToken);
        }
        catch
        {
            Retire(started, drain: false);
            throw;
        }

        // The switch: from here on new requests reach the new version.
        Publish(name, live);
        _failed.TryRemove(name, out _);
        if (previous is not null)
        {
            if (percent >= 100)
            {
                Retire(previous.Current);
            }

            if (previous.Candidate is not null)
            {
                Retire(previous.Candidate);
            }
        }

        var protect = new HashSet<int> { state.Current };
        if (state.Candidate is { } kept)
        {
            protect.Add(kept);
        }

        var pruned = store.Prune(name, options.KeepVersions, protect);
        LogSwitched(logger, name, version.Id, percent, pruned.Count);
        var message = percent < 100 && previous is not null
            ? $"'{name}' {version.Id} gets {percent}% of requests beside v{state.Current} (edge rollout {name} 100 to finish)."
            : $"'{name}' {version.Id} serves.";
        return new DeployOutcome(DeployStatus.Ok, message, [], version.Id);
    }

    private async Task<Activation> StartVersionAsync(FunctionVersion version, CancellationToken cancellationToken)
    {
        var secrets = await store.ReadSecretsAsync(version, cancellationToken);
        Activation activation;
        try
        {
            activation = await activators[version.Manifest.Isolation].ActivateAsync(version, store.CodeDirectory(version), secrets, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogActivationCrashed(logger, version.Function, version.Id, ex);
            return Activation.Failed($"{version.Id} failed to start: {ex.GetType().Name}: {ex.Message}");
        }

        if (activation.Instance is { } instance)
        {
            scheduler.Add(instance);
        }

        return activation;
    }

    private void Publish(string name, LiveFunction live)
    {
        _live[name] = live;
        routes.Set(name, live.Patterns, live.Target);
    }

    /// <summary>Drains and stops <paramref name="activation"/> in the background (tracked, awaited at shutdown).</summary>
    /// <remarks>
    /// The background work holds no reference to the instance or its handler (only its activity counter, its names and
    /// the activator's retire step, which drops the handler itself), and starts once the operation that retired it has
    /// released the function's lock: then nothing of ours still references the version's code when its load context is
    /// unloaded and checked.
    /// </remarks>
    private void Retire(Activation activation, bool drain = true)
    {
        if (activation.Instance is not { } instance)
        {
            return;
        }

        instance.Activity.Retire();
        var activity = instance.Activity;
        var name = instance.Name;
        var version = instance.Version ?? "-";
        var unscheduled = scheduler.RemoveAsync(instance, CancellationToken.None);
        var retire = activation.Retire;
        var gate = _locks.GetOrAdd(name, _ => new SemaphoreSlim(1, 1));
        var task = Task.Run(async () =>
        {
            try
            {
                // The operation that retired it (and its references to the old version) ends first.
                await gate.WaitAsync();
                gate.Release();
                await unscheduled;
                if (drain)
                {
                    using var timeout = new CancellationTokenSource(options.DrainTimeout, time);
                    using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _stopping.Token);
                    try
                    {
                        await activity.WhenIdleAsync(linked.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        LogDrainCut(logger, name, version, activity.InFlight);
                    }
                }

                if (retire is not null)
                {
                    await retire(CancellationToken.None);
                }

                LogRetired(logger, name, version);
            }
            catch (Exception ex)
            {
                LogRetireFailed(logger, name, version, ex);
            }
        });
        _retiring.TryAdd(task, 0);
        _ = task.ContinueWith(t => _retiring.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task<DeployOutcome> LockedAsync(string name, Func<Task<DeployOutcome>> operation)
    {
        var gate = _locks.GetOrAdd(name, _ => new SemaphoreSlim(1, 1));
        if (!await gate.WaitAsync(TimeSpan.Zero))
        {
            return DeployOutcome.Fail(DeployStatus.Conflict, $"Another deploy, rollback or change of '{name}' is in progress; try again when it ends.");
        }

        try
        {
            return await operation();
        }
        finally
        {
            gate.Release();
        }
    }

    private DeployOutcome? CheckName(string name)
    {
        if (!VersionStore.IsValidName(name))
        {
            return DeployOutcome.Fail(DeployStatus.Invalid, $"'{name}' is not a valid function name: lowercase letters, digits and inner hyphens, at most 63 characters.");
        }

        return routes.ConfiguredNames.Contains(name)
            ? DeployOutcome.Fail(DeployStatus.Conflict, $"'{name}' is a function of the host's configuration (Functions:{name}); deploy under another name.")
            : null;
    }

    private static List<RoutePattern> Patterns(FunctionManifest manifest) =>
        [.. manifest.Routes.Select(r => RoutePattern.TryParse(r, out var p, out _) ? p! : throw new InvalidOperationException($"A stored route '{r}' does not parse."))];

    private static async Task CopyDirectoryAsync(string source, string destination, CancellationToken cancellationToken)
    {
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(destination, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await using var from = File.OpenRead(file);
            await using var to = File.Create(target);
            await from.CopyToAsync(to, cancellationToken);
        }
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex SecretKeyPattern();

    [LoggerMessage(EventId = 70, Level = LogLevel.Information, Message = "Function {Function} {Version} serves ({Percent}% of its requests); {Pruned} old versions pruned")]
    private static partial void LogSwitched(ILogger logger, string function, string version, int percent, int pruned);

    [LoggerMessage(EventId = 71, Level = LogLevel.Information, Message = "Function {Function} {Version} retired")]
    private static partial void LogRetired(ILogger logger, string function, string version);

    [LoggerMessage(EventId = 72, Level = LogLevel.Warning, Message = "Function {Function} {Version} was stopped with {InFlight} requests still in flight after the drain period")]
    private static partial void LogDrainCut(ILogger logger, string function, string version, int inFlight);

    [LoggerMessage(EventId = 73, Level = LogLevel.Error, Message = "Function {Function} {Version} did not stop cleanly")]
    private static partial void LogRetireFailed(ILogger logger, string function, string version, Exception exception);

    [LoggerMessage(EventId = 74, Level = LogLevel.Error, Message = "Deployed function {Function} {Version} did not start: {Errors}")]
    private static partial void LogStartFailed(ILogger logger, string function, string version, string errors);

    [LoggerMessage(EventId = 75, Level = LogLevel.Information, Message = "Deployed function {Function} {Version} started")]
    private static partial void LogStarted(ILogger logger, string function, string version);

    [LoggerMessage(EventId = 76, Level = LogLevel.Error, Message = "Function {Function} {Version}: its activation failed")]
    private static partial void LogActivationCrashed(ILogger logger, string function, string version, Exception exception);
}
