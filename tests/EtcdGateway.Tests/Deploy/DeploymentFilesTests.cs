using System.Globalization;
using System.Text.RegularExpressions;
using EtcdGateway.Cli;
using YamlDotNet.RepresentationModel;
using static EtcdGateway.Tests.Deploy.DeployFiles;
using static EtcdGateway.Tests.Deploy.YamlNodes;

namespace EtcdGateway.Tests.Deploy;

/// <summary>
/// The files in deploy/: the systemd unit, the example config, the Dockerfile and the Kubernetes manifest. Each is read the
/// way its consumer reads it as far as that can be done here (YAML documents, unit-file sections, Dockerfile instructions),
/// and every command line in them is parsed by the gateway's own flag parser and config loader.
/// </summary>
public sealed partial class DeploymentFilesTests(ITestOutputHelper output) : IDisposable
{
    private const string InstalledConfig = "/etc/etcd-gateway/gateway.yaml";

    private readonly string _temp = Directory.CreateTempSubdirectory("gw-deploy-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    // ------------------------------------------------------------------ example config

    [Fact]
    public void ExampleConfig_IsAcceptedByTheGatewaysConfigReader()
    {
        var flags = ConfigFileReader.Read(DeployFile("gateway.yaml"), GatewayFlags.All);
        var options = GatewayOptionsBuilder.Build(flags);

        Assert.Equal(["infra0.example.com:2379", "infra1.example.com:2379", "infra2.example.com:2379"], options.Endpoints.Select(e => e.ToString()));
        Assert.Equal("127.0.0.1:23790", options.ListenAddress.ToString());
    }

    // ------------------------------------------------------------------ systemd unit

    [Fact]
    public void SystemdUnit_IsANotifyServiceThatStartsTheGatewayWithTheConfigFile()
    {
        var unit = UnitFile.Read(DeployFile("etcd-gateway.service"));

        Assert.Equal("notify", unit.Single("Service", "Type"));
        Assert.StartsWith($"{InstalledBinary} start ", unit.Single("Service", "ExecStart"), StringComparison.Ordinal);
        Assert.Contains($"--config-file={InstalledConfig}", SplitCommandLine(unit.Single("Service", "ExecStart")));
        Assert.Equal("/bin/kill -HUP $MAINPID", unit.Single("Service", "ExecReload"));
        Assert.Equal("on-failure", unit.Single("Service", "Restart"));
        Assert.Equal("SIGTERM", unit.Single("Service", "KillSignal"));
        Assert.Equal("1048576", unit.Single("Service", "LimitNOFILE"));
        Assert.Equal("etcd-gateway", unit.Single("Service", "ConfigurationDirectory"));
        Assert.DoesNotContain(unit.All("Service", "Environment"), e => e.Contains("DOTNET_", StringComparison.Ordinal));
        Assert.Equal("network-online.target", unit.Single("Unit", "After"));
        Assert.Equal("network-online.target", unit.Single("Unit", "Wants"));
        Assert.Equal("multi-user.target", unit.Single("Install", "WantedBy"));
    }

    [Fact]
    public void SystemdUnit_IsHardened()
    {
        var unit = UnitFile.Read(DeployFile("etcd-gateway.service"));

        foreach (var key in new[]
                 {
                     "DynamicUser", "NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices", "ProtectKernelTunables",
                     "ProtectKernelModules", "ProtectControlGroups", "RestrictNamespaces", "LockPersonality",
                 })
        {
            Assert.Equal($"{key}=yes", $"{key}={unit.Single("Service", key)}");
        }

        Assert.Equal("strict", unit.Single("Service", "ProtectSystem"));
        Assert.Equal("AF_INET AF_INET6 AF_UNIX", unit.Single("Service", "RestrictAddressFamilies"));
        Assert.Equal("native", unit.Single("Service", "SystemCallArchitectures"));
        Assert.Equal("", unit.Single("Service", "CapabilityBoundingSet"));

        // A native executable with no JIT never needs writable and executable memory (the integration tests run it under
        // PR_SET_MDWE, what this setting makes systemd ask of the kernel).
        Assert.Equal("yes", unit.Single("Service", "MemoryDenyWriteExecute"));
    }

    [Fact]
    public void SystemdUnit_StopTimeoutOutlastsTheDrain()
    {
        var unit = UnitFile.Read(DeployFile("etcd-gateway.service"));
        var stopTimeout = SystemdSeconds(unit.Single("Service", "TimeoutStopSec"));
        var options = LoadOptions(unit.Single("Service", "ExecStart"), DeployFile("gateway.yaml"));

        Assert.True(stopTimeout > TimeSpan.FromSeconds(30), $"TimeoutStopSec={stopTimeout} must exceed the default drain of 30s");
        Assert.True(stopTimeout > options.DrainTimeout, $"TimeoutStopSec={stopTimeout} must exceed drain-timeout {options.DrainTimeout}");
    }

    [Fact]
    public void SystemdUnit_PassesSystemdAnalyzeVerify()
    {
        var (exitCode, printed, copy) = SystemdAnalyzer.Verify(DeployFile("etcd-gateway.service"), _temp);
        output.WriteLine($"systemd-analyze verify: exit {exitCode}\n{printed}");

        Assert.Equal(0, exitCode);
        // Unknown keys and unparsable values are only warnings (exit code 0), printed as "<path>:<line>: ...".
        Assert.DoesNotContain(copy, printed, StringComparison.Ordinal);
    }

    // ------------------------------------------------------------------ Dockerfile

    [Fact]
    public void Dockerfile_BuildsTheNativeExecutableAndRunsItNonRootOnRuntimeDeps()
    {
        var dockerfile = Dockerfile.Read(DeployFile("Dockerfile"));

        var stages = dockerfile.Arguments("FROM");
        Assert.Equal(2, stages.Count);
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:10.0 ", stages[0], StringComparison.Ordinal);
        Assert.StartsWith("mcr.microsoft.com/dotnet/runtime-deps:10.0", stages[1], StringComparison.Ordinal);

        Assert.Contains($"--from=build /app/etcd-gateway {InstalledBinary}", dockerfile.Arguments("COPY"));
        Assert.Equal(["1654"], dockerfile.Arguments("USER"));
        Assert.Equal(["23790 9090"], dockerfile.Arguments("EXPOSE"));
        Assert.Empty(dockerfile.Arguments("ENV"));
        Assert.Equal([InstalledBinary, "start"], dockerfile.Exec("ENTRYPOINT"));
        Assert.Contains("--listen-addr=0.0.0.0:23790", dockerfile.Exec("CMD"));
    }

    [Fact]
    public void Dockerfile_PublishesExactlyAsScriptsBuildDoes_AndSoDoesItsStepsScript()
    {
        var expected = PublishSettings(File.ReadAllText(Path.Combine(RepoRoot, "scripts", "build")));
        Assert.Contains("-p:StripSymbols=true", expected);

        var run = Assert.Single(Dockerfile.Read(DeployFile("Dockerfile")).Arguments("RUN"), r => r.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.Equal(expected, PublishSettings(run));
        Assert.Equal(expected, PublishSettings(File.ReadAllText(DeployFile("dockerfile-steps.sh"))));
    }

    [Fact]
    public void Dockerfile_CopiesEveryFileTheBuildReads()
    {
        var copied = Dockerfile.Read(DeployFile("Dockerfile")).Arguments("COPY")
            .Where(c => !c.StartsWith("--from=", StringComparison.Ordinal))
            .SelectMany(c => c.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1])
            .Select(c => c.TrimEnd('/'))
            .ToHashSet(StringComparer.Ordinal);

        // MSBuild, NuGet and the analyzers read these from the repository root.
        string[] buildInputs = ["global.json", "Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "NuGet.Config", "nuget.config", ".editorconfig"];
        foreach (var name in buildInputs.Where(n => File.Exists(Path.Combine(RepoRoot, n))))
        {
            if (!copied.Contains(name))
            {
                Assert.Fail($"the Dockerfile does not COPY {name}, which the build reads");
            }
        }

        Assert.Contains("src/EtcdGateway", copied);
        var project = File.ReadAllText(Path.Combine(RepoRoot, "src", "EtcdGateway", "EtcdGateway.csproj"));
        Assert.DoesNotContain("<ProjectReference", project, StringComparison.Ordinal);
    }

    // ------------------------------------------------------------------ Kubernetes

    [Fact]
    public void Manifest_IsYamlWithAConfigMapAndADaemonSet()
    {
        var manifest = Manifest.Read(DeployFile("kubernetes", "daemonset.yaml"));

        Assert.Equal(2, manifest.Documents.Count);
        Assert.Equal("v1", Scalar(manifest.ConfigMap, "apiVersion"));
        Assert.Equal("apps/v1", Scalar(manifest.DaemonSet, "apiVersion"));
        Assert.Equal("etcd-gateway", Scalar(manifest.DaemonSet, "metadata", "name"));
        Assert.Equal(Scalar(manifest.DaemonSet, "metadata", "namespace"), Scalar(manifest.ConfigMap, "metadata", "namespace"));
    }

    [Fact]
    public void DaemonSet_SelectorMatchesTheTemplateLabels()
    {
        var daemonSet = Manifest.Read(DeployFile("kubernetes", "daemonset.yaml")).DaemonSet;

        var selector = Mapping(daemonSet, "spec", "selector", "matchLabels");
        var labels = Mapping(daemonSet, "spec", "template", "metadata", "labels");
        Assert.NotEmpty(selector.Children);
        foreach (var (key, value) in selector.Children)
        {
            Assert.True(labels.Children.TryGetValue(key, out var label) && label.Equals(value), $"template labels lack selector label {key}={value}");
        }

        Assert.Equal("RollingUpdate", Scalar(daemonSet, "spec", "updateStrategy", "type"));
        Assert.Equal("1", Scalar(daemonSet, "spec", "updateStrategy", "rollingUpdate", "maxUnavailable"));
    }

    [Fact]
    public void DaemonSet_ListensOnTheNodesLoopback()
    {
        var manifest = Manifest.Read(DeployFile("kubernetes", "daemonset.yaml"));
        var pod = Mapping(manifest.DaemonSet, "spec", "template", "spec");

        Assert.Equal("true", Scalar(pod, "hostNetwork"));
        Assert.Equal("ClusterFirstWithHostNet", Scalar(pod, "dnsPolicy"));
        Assert.Contains("--listen-addr=127.0.0.1:23790", manifest.Args);
        Assert.Contains("--metrics-addr=http://127.0.0.1:9090", manifest.Args);
        Assert.Contains(Sequence(pod, "tolerations").Children, t => Scalar(t, "key") == "node-role.kubernetes.io/control-plane");
    }

    [Fact]
    public void DaemonSet_ProbesTheAdminListenerOnLoopback()
    {
        var container = Manifest.Read(DeployFile("kubernetes", "daemonset.yaml")).Container;

        // With hostNetwork the kubelet would probe the node's IP; host 127.0.0.1 reaches the loopback admin listener.
        foreach (var probe in new[] { "readinessProbe", "livenessProbe" })
        {
            Assert.Equal("127.0.0.1", Scalar(container, probe, "httpGet", "host"));
            Assert.Equal("9090", Scalar(container, probe, "httpGet", "port"));
        }

        Assert.Equal("/health", Scalar(container, "readinessProbe", "httpGet", "path"));
        // Not /health: it answers 503 whenever etcd has no member in rotation, and restarting the gateway then helps nobody.
        Assert.Equal("/status", Scalar(container, "livenessProbe", "httpGet", "path"));
    }

    [Fact]
    public void DaemonSet_MountsTheConfigMapFromTheSameFileWhereTheGatewayReadsIt()
    {
        var manifest = Manifest.Read(DeployFile("kubernetes", "daemonset.yaml"));
        var configFile = Assert.Single(manifest.Args, a => a.StartsWith("--config-file=", StringComparison.Ordinal))["--config-file=".Length..];

        var mount = Assert.Single(Sequence(manifest.Container, "volumeMounts").Children, m => Scalar(m, "mountPath") == Path.GetDirectoryName(configFile));
        var volumes = Sequence(manifest.DaemonSet, "spec", "template", "spec", "volumes").Children;
        var volume = Assert.Single(volumes, v => Scalar(v, "name") == Scalar(mount, "name"));
        Assert.Equal(Scalar(manifest.ConfigMap, "metadata", "name"), Scalar(volume, "configMap", "name"));

        // Every mount names a volume of the pod.
        foreach (var each in Sequence(manifest.Container, "volumeMounts").Children)
        {
            Assert.Contains(volumes, v => Scalar(v, "name") == Scalar(each, "name"));
        }

        var gatewayYaml = Scalar(manifest.ConfigMap, "data", Path.GetFileName(configFile));
        Assert.NotNull(gatewayYaml);
        var embedded = new YamlStream();
        embedded.Load(new StringReader(gatewayYaml));
        Assert.True(Mapping(embedded.Documents[0].RootNode).Children.ContainsKey(new YamlScalarNode("endpoints")), "the ConfigMap's gateway.yaml has no endpoints");
    }

    [Fact]
    public void DaemonSet_ConfigMapGatewayYaml_IsAcceptedByTheGatewaysConfigReader()
    {
        var path = WriteConfigMapGatewayYaml(Manifest.Read(DeployFile("kubernetes", "daemonset.yaml")));

        var options = GatewayOptionsBuilder.Build(ConfigFileReader.Read(path, GatewayFlags.All));

        Assert.Equal(3, options.Endpoints.Count);
    }

    [Fact]
    public void DaemonSet_IsLockedDownAndOutlastsTheDrain()
    {
        var manifest = Manifest.Read(DeployFile("kubernetes", "daemonset.yaml"));
        var pod = Mapping(manifest.DaemonSet, "spec", "template", "spec");
        var container = manifest.Container;

        Assert.Equal("true", Scalar(pod, "securityContext", "runAsNonRoot"));
        Assert.Equal("false", Scalar(container, "securityContext", "allowPrivilegeEscalation"));
        Assert.Equal("true", Scalar(container, "securityContext", "readOnlyRootFilesystem"));
        Assert.Equal(["ALL"], Sequence(container, "securityContext", "capabilities", "drop").Children.Select(c => Scalar(c)));
        Assert.False(container.Children.ContainsKey(new YamlScalarNode("env")), "the container needs no environment variables");
        Assert.NotNull(Scalar(container, "resources", "requests", "cpu"));
        Assert.NotNull(Scalar(container, "resources", "requests", "memory"));
        Assert.NotNull(Scalar(container, "resources", "limits", "memory"));

        var grace = TimeSpan.FromSeconds(int.Parse(Scalar(pod, "terminationGracePeriodSeconds")!, CultureInfo.InvariantCulture));
        var options = LoadOptions(manifest.CommandLine, WriteConfigMapGatewayYaml(manifest));
        Assert.Equal(TimeSpan.FromSeconds(40), grace);
        Assert.True(grace > options.DrainTimeout, $"terminationGracePeriodSeconds ({grace}) must exceed drain-timeout {options.DrainTimeout}");
    }

    // ------------------------------------------------------------------ every command line

    [Fact]
    public void EveryCommandLine_UsesOnlyKnownFlags_AndLoadsWithItsConfig()
    {
        var known = GatewayFlags.All.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var unit = UnitFile.Read(DeployFile("etcd-gateway.service"));
        var dockerfile = Dockerfile.Read(DeployFile("Dockerfile"));
        var manifest = Manifest.Read(DeployFile("kubernetes", "daemonset.yaml"));
        var commandLines = new (string Where, string CommandLine, string ConfigFile)[]
        {
            ("etcd-gateway.service ExecStart", unit.Single("Service", "ExecStart"), DeployFile("gateway.yaml")),
            ("Dockerfile ENTRYPOINT + CMD", string.Join(' ', dockerfile.Exec("ENTRYPOINT").Concat(dockerfile.Exec("CMD"))), DeployFile("gateway.yaml")),
            ("daemonset.yaml entrypoint + args", manifest.CommandLine, WriteConfigMapGatewayYaml(manifest)),
        };

        foreach (var (where, commandLine, configFile) in commandLines)
        {
            output.WriteLine($"{where}: {commandLine}");
            foreach (var flag in SplitCommandLine(commandLine).Where(a => a.StartsWith("--", StringComparison.Ordinal)))
            {
                var name = flag[2..].Split('=')[0];
                if (!known.Contains(name))
                {
                    Assert.Fail($"{where}: --{name} is not a flag of etcd-gateway start");
                }
            }

            // The whole command line, through the gateway's own parser and config loader, with the config file it would find.
            var options = LoadOptions(commandLine, configFile);
            Assert.NotEmpty(options.Endpoints);
        }
    }

    // ------------------------------------------------------------------ helpers

    private static string DeployFile(params string[] parts) => InDeploy(parts);

    private string WriteConfigMapGatewayYaml(Manifest manifest)
    {
        var path = Path.Combine(_temp, $"configmap-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, Scalar(manifest.ConfigMap, "data", "gateway.yaml") ?? throw new InvalidOperationException("ConfigMap has no gateway.yaml"));
        return path;
    }

    /// <summary>
    /// Options as <c>etcd-gateway start</c> would load them from this command line, with its <c>--config-file</c> pointed at
    /// <paramref name="configFile"/> (the installed path does not exist here).
    /// </summary>
    private static GatewayOptions LoadOptions(string commandLine, string configFile)
    {
        var args = SplitCommandLine(commandLine);
        Assert.Equal([InstalledBinary, "start"], args[..2]);
        var flags = args[2..].Select(a => a == $"--config-file={InstalledConfig}" ? $"--config-file={configFile}" : a).ToList();
        Assert.Contains($"--config-file={configFile}", flags);
        return GatewayConfiguration.Load(FlagParser.Parse(flags, GatewayFlags.All));
    }

    /// <summary>The settings of the <c>dotnet publish</c> command in a script or RUN line: the -p: properties and the options that shape the output.</summary>
    private static SortedSet<string> PublishSettings(string text)
    {
        var code = string.Join('\n', text.Split('\n').Where(l => !l.TrimStart().StartsWith('#')));
        var joined = code.Replace("\\\n", " ", StringComparison.Ordinal);
        // The command itself, not a line that mentions it: "dotnet publish" followed by the project.
        var start = joined.IndexOf("dotnet publish src/", StringComparison.Ordinal);
        Assert.True(start >= 0, "no dotnet publish command");
        Assert.Equal(start, joined.LastIndexOf("dotnet publish src/", StringComparison.Ordinal));
        var end = joined.IndexOf('\n', start);
        var command = end < 0 ? joined[start..] : joined[start..end];
        return new SortedSet<string>(
            PublishSettingPattern().Matches(command).Select(m => Regex.Replace(m.Value, @"\s+", " ")),
            StringComparer.Ordinal);
    }

    [GeneratedRegex(@"-p:\S+|--configuration\s+\S+|--self-contained\s+\S+|src/\S+\.csproj")]
    private static partial Regex PublishSettingPattern();

    /// <summary>deploy/kubernetes/daemonset.yaml: every document, the ConfigMap, the DaemonSet and its gateway container.</summary>
    private sealed class Manifest
    {
        private Manifest(IReadOnlyList<YamlMappingNode> documents)
        {
            Documents = documents;
            ConfigMap = Assert.Single(documents, d => Scalar(d, "kind") == "ConfigMap");
            DaemonSet = Assert.Single(documents, d => Scalar(d, "kind") == "DaemonSet");
            Container = Assert.Single(
                Sequence(DaemonSet, "spec", "template", "spec", "containers").Children.OfType<YamlMappingNode>(),
                c => Scalar(c, "name") == "etcd-gateway");
            Args = [.. Sequence(Container, "args").Children.Select(a => Scalar(a) ?? "")];

            // No command: the image's ENTRYPOINT runs, with these args in place of its CMD.
            Assert.Null(At(Container, "command"));
            CommandLine = string.Join(' ', Dockerfile.Read(DeployFile("Dockerfile")).Exec("ENTRYPOINT").Concat(Args));
        }

        public IReadOnlyList<YamlMappingNode> Documents { get; }

        public YamlMappingNode ConfigMap { get; }

        public YamlMappingNode DaemonSet { get; }

        public YamlMappingNode Container { get; }

        public IReadOnlyList<string> Args { get; }

        public string CommandLine { get; }

        public static Manifest Read(string path) => new(ReadDocuments(path));
    }
}
