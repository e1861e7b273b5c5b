using Edge.Host.Deploy.Versions;

namespace Edge.Host.Tests.Deploy.Versions;

public sealed class ManifestReaderTests
{
    [Fact]
    public void FromYaml_EveryKey_Read()
    {
        var errors = new List<string>();

        var manifest = ManifestReader.FromYaml("""
            handler: Links.Handler
            routes:
              - links.example.com/*
              - example.com/l/*
            vars:
              BASE_URL: https://links.example.com
              Limits:
                PerMinute: 60
            keyValue:
              LINKS: shortlinks
            buckets:
              FILES: cache
            schedules:
              - cron: "0 3 * * *"
                timeZone: Europe/Berlin
              - cron: "*/30 * * * * *"
            timeout: 30s
            memoryLimit: 256Mi
            isolation: in-process
            """, errors);

        Assert.Empty(errors);
        Assert.NotNull(manifest);
        Assert.Equal("Links.Handler", manifest.Handler);
        Assert.Equal(["links.example.com/*", "example.com/l/*"], manifest.Routes);
        Assert.Equal("https://links.example.com", manifest.Vars["BASE_URL"]);
        Assert.Equal("60", manifest.Vars["Limits:PerMinute"]);
        Assert.Equal("shortlinks", manifest.KeyValue["LINKS"]);
        Assert.Equal("cache", manifest.Buckets["FILES"]);
        Assert.Equal([new ManifestSchedule("0 3 * * *", "Europe/Berlin"), new ManifestSchedule("*/30 * * * * *", "UTC")], manifest.Schedules);
        Assert.Equal(TimeSpan.FromSeconds(30), manifest.Timeout);
        Assert.Equal(256L * 1024 * 1024, manifest.MemoryLimit);
        Assert.Equal(FunctionIsolation.InProcess, manifest.Isolation);
    }

    [Fact]
    public void FromYaml_OnlyRoutes_WorkerIsolationAndNoLimitsByDefault()
    {
        var errors = new List<string>();

        var manifest = ManifestReader.FromYaml("routes: [\"*/hello\"]", errors);

        Assert.Empty(errors);
        Assert.Equal((FunctionIsolation.Worker, null, null, null), (manifest!.Isolation, manifest.Timeout, manifest.MemoryLimit, manifest.Handler));
    }

    [Fact]
    public void FromYaml_ManyProblems_EveryOneReportedWithItsKey()
    {
        var errors = new List<string>();

        var manifest = ManifestReader.FromYaml("""
            rotues: ["example.com/*"]
            routes: ["exa*mple.com"]
            secrets:
              TOKEN: hunter2
            schedules:
              - cron: "* * *"
            timeout: soon
            memoryLimit: 1Mi
            isolation: vm
            """, errors);

        Assert.Null(manifest);
        Assert.Equal(
            [
                "rotues: unknown key; known keys are Handler, Routes, Vars, KeyValue, Buckets, Schedules, Timeout, MemoryLimit, Isolation.",
                "Secrets: secret values do not belong in edge.yaml (it is usually committed); set them with `edge secret put NAME KEY` (value from stdin).",
                "Routes: route 'exa*mple.com': the host must be '*', a host name or '*.suffix'.",
                "Schedules:0: Cron '* * *' has 3 fields: use five (minute hour day-of-month month day-of-week), six with seconds first, or a macro such as @hourly.",
                "Timeout: 'soon' is not a duration (use 30s, 5m, 1h, 250ms or hh:mm:ss).",
                "MemoryLimit: must be at least 16Mi (a .NET worker needs about that much to start).",
                "Isolation: 'vm' is not 'worker' or 'in-process'.",
            ],
            errors);
        Assert.DoesNotContain(errors, e => e.Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public void FromYaml_NeitherRoutesNorSchedules_Refused()
    {
        var errors = new List<string>();

        Assert.Null(ManifestReader.FromYaml("vars: { A: b }", errors));
        Assert.Equal(["Routes: a function needs at least one route or one schedule, or it would never run."], errors);
    }

    [Fact]
    public void FromYaml_InvalidYaml_PositionGiven()
    {
        var errors = new List<string>();

        Assert.Null(ManifestReader.FromYaml("routes: [\"a\"\nvars: {", errors));
        Assert.Single(errors);
        Assert.StartsWith("edge.yaml: Invalid YAML", errors[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("250ms", 250)]
    [InlineData("30s", 30_000)]
    [InlineData("1.5m", 90_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("00:00:05", 5_000)]
    public void Duration_Forms_Parsed(string text, double milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), ManifestReader.Duration(text, "Timeout", []));

    [Theory]
    [InlineData("64Ki", 65_536L)]
    [InlineData("256Mi", 268_435_456L)]
    [InlineData("1Gi", 1_073_741_824L)]
    [InlineData("512M", 512_000_000L)]
    [InlineData("1048576", 1_048_576L)]
    public void Size_Forms_Parsed(string text, long bytes) =>
        Assert.Equal(bytes, ManifestReader.Size(text, "MemoryLimit", []));

    [Theory]
    [InlineData("-5Mi")]
    [InlineData("1.5Gi")]
    [InlineData("lots")]
    [InlineData("99999999999Gi")]
    public void Size_Invalid_Refused(string text)
    {
        var errors = new List<string>();

        Assert.Null(ManifestReader.Size(text, "MemoryLimit", errors));
        Assert.Equal([$"MemoryLimit: '{text}' is not a size (use 256Mi, 1Gi, 512M or a number of bytes)."], errors);
    }
}
