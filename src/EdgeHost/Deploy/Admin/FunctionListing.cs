using Edge.Host.Deploy.Versions;
using Edge.Host.Hosting;

namespace Edge.Host.Deploy.Admin;

/// <summary>The documents behind <c>edge list</c> and <c>edge versions</c>.</summary>
internal static class FunctionListing
{
    /// <summary>Every function: the host's configured ones, the deployed ones serving and those that failed to start.</summary>
    public static List<FunctionDocument> Build(FunctionRoutes routes, DeploymentManager deployments)
    {
        var documents = new List<FunctionDocument>();
        var byName = routes.Table.Routes.GroupBy(r => r.Target.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(r => r.Pattern.Text).ToList(), StringComparer.Ordinal);
        foreach (var name in routes.ConfiguredNames.Order(StringComparer.Ordinal))
        {
            documents.Add(new FunctionDocument(name, "config", "running", null, null, 0, byName.GetValueOrDefault(name) ?? [], [], null, 0, []));
        }

        foreach (var (name, live) in deployments.Live.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            var current = live.Current.Instance!;
            var candidate = live.Candidate?.Instance;
            var version = deployments.Store.GetState(name) is { } state ? deployments.Store.Get(name, state.Current) : null;
            documents.Add(new FunctionDocument(
                name,
                "deployed",
                "running",
                current.Version,
                candidate?.Version,
                live.Target.CandidatePercent,
                [.. live.Patterns.Select(p => p.Text)],
                [.. current.Schedules.Select(s => s.Zone == TimeZoneInfo.Utc ? s.Cron : $"{s.Cron} ({s.Zone.Id})")],
                version is null ? null : Isolation(version.Manifest.Isolation),
                current.Activity.InFlight + (candidate?.Activity.InFlight ?? 0),
                []));
        }

        foreach (var (name, errors) in deployments.Failed.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            if (!deployments.Live.ContainsKey(name))
            {
                var state = deployments.Store.GetState(name);
                documents.Add(new FunctionDocument(name, "deployed", "failed", state is null ? null : "v" + state.Current, null, 0, [], [], null, 0, errors));
            }
        }

        return documents;
    }

    /// <summary>The versions of <paramref name="name"/>, newest first, with which serve.</summary>
    public static List<VersionDocument> Versions(DeploymentManager deployments, string name)
    {
        var state = deployments.Store.GetState(name);
        return
        [
            .. deployments.Store.List(name).Select(v => new VersionDocument(
                v.Id,
                v.CreatedAt,
                v.Code == CodeKind.Source ? "source" : "bundle",
                v.CodeDigest,
                v.Message,
                v.SecretNames,
                v.Manifest.Routes,
                state?.Current == v.Number ? "current" : state?.Candidate == v.Number ? $"candidate {state.CandidatePercent}%" : "")),
        ];
    }

    private static string Isolation(FunctionIsolation isolation) => isolation == FunctionIsolation.InProcess ? "in-process" : "worker";
}
