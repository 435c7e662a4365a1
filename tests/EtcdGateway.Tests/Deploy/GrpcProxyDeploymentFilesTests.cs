using System.Globalization;
using System.Text.RegularExpressions;
using EtcdGateway.Cli;
using YamlDotNet.RepresentationModel;
using static EtcdGateway.Tests.Deploy.DeployFiles;
using static EtcdGateway.Tests.Deploy.YamlNodes;

namespace EtcdGateway.Tests.Deploy;

/// <summary>
/// The gRPC proxy's files in deploy/: its systemd unit, its example config and its Kubernetes manifest. Every command line
/// in them is parsed by the proxy's own flag parser and config loader, with the config file it would find.
/// </summary>
public sealed partial class GrpcProxyDeploymentFilesTests(ITestOutputHelper output) : IDisposable
{
    private const string Unit = "etcd-gateway-grpc-proxy.service";
    private const string ExampleConfig = "grpc-proxy.yaml";
    private const string InstalledConfig = "/etc/etcd-gateway/grpc-proxy.yaml";
    private const string ExamplePodIp = "10.1.2.3";

    private readonly string _temp = Directory.CreateTempSubdirectory("gw-deploy-proxy-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    // ------------------------------------------------------------------ example config

    [Fact]
    public void ExampleConfig_IsAcceptedByTheProxysConfigLoader()
    {
        var (shared, proxy) = GrpcProxyConfiguration.Load(FlagParser.Parse([$"--config-file={InDeploy(ExampleConfig)}"], GrpcProxyFlags.All));

        Assert.Equal(["infra0.example.com:2379", "infra1.example.com:2379", "infra2.example.com:2379"], shared.Endpoints.Select(e => e.ToString()));
        Assert.Equal("127.0.0.1:23790", shared.ListenAddress.ToString());
        Assert.Equal("", proxy.Namespace);
        Assert.Equal("", proxy.ResolverPrefix);
    }

    [Fact]
    public void ExampleConfig_CommentedOutKeys_AreAcceptedWhenUncommented()
    {
        // "# key: value" lines are examples a reader will uncomment: all of them at once must load, and mean what they say.
        var text = File.ReadAllText(InDeploy(ExampleConfig));
        var known = GrpcProxyFlags.All.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var examples = CommentedKeyPattern().Matches(text).Where(m => known.Contains(m.Groups[1].Value)).ToList();
        Assert.Contains(examples, m => m.Groups[1].Value == GrpcProxyFlags.Namespace);
        Assert.Contains(examples, m => m.Groups[1].Value == GrpcProxyFlags.ResolverPrefix);

        var uncommented = CommentedKeyPattern().Replace(text, m => known.Contains(m.Groups[1].Value) ? $"{m.Groups[1].Value}: {m.Groups[2].Value}" : m.Value);
        var path = Path.Combine(_temp, ExampleConfig);
        File.WriteAllText(path, uncommented);
        var (_, proxy) = GrpcProxyConfiguration.Load(FlagParser.Parse([$"--config-file={path}"], GrpcProxyFlags.All));

        Assert.Equal("app/", proxy.Namespace);
        Assert.Equal("___grpc_proxy_endpoint", proxy.ResolverPrefix);
        Assert.True(proxy.ResolverTtl >= 1);
        Assert.NotEqual("", proxy.AdvertiseClientUrl);
    }

    // ------------------------------------------------------------------ systemd unit

    [Fact]
    public void SystemdUnit_IsANotifyServiceThatStartsTheProxyWithItsConfigFile()
    {
        var unit = UnitFile.Read(InDeploy(Unit));

        // GatewayHost sends READY=1 and STOPPING=1 for both modes.
        Assert.Equal("notify", unit.Single("Service", "Type"));
        Assert.StartsWith($"{InstalledBinary} grpc-proxy start ", unit.Single("Service", "ExecStart"), StringComparison.Ordinal);
        Assert.Contains($"--config-file={InstalledConfig}", SplitCommandLine(unit.Single("Service", "ExecStart")));
        Assert.Equal("/bin/kill -HUP $MAINPID", unit.Single("Service", "ExecReload"));
        Assert.Equal("on-failure", unit.Single("Service", "Restart"));
        Assert.Equal("2", unit.Single("Service", "RestartPreventExitStatus"));
        Assert.Equal("SIGTERM", unit.Single("Service", "KillSignal"));
        Assert.Equal("etcd-gateway", unit.Single("Service", "ConfigurationDirectory"));
        Assert.Empty(unit.All("Service", "Environment"));
        Assert.Equal("multi-user.target", unit.Single("Install", "WantedBy"));
    }

    [Fact]
    public void SystemdUnit_IsHardenedExactlyAsTheGatewaysUnit()
    {
        var proxy = UnitFile.Read(InDeploy(Unit));
        var gateway = UnitFile.Read(InDeploy("etcd-gateway.service"));
        string[] notHardening = ["Type", "ExecStart", "ExecReload", "KillSignal", "TimeoutStopSec", "Restart", "RestartSec", "RestartPreventExitStatus"];

        var expected = gateway.Section("Service").Where(e => !notHardening.Contains(e.Key)).ToList();
        Assert.Contains(("MemoryDenyWriteExecute", "yes"), expected);
        Assert.Contains(("DynamicUser", "yes"), expected);
        Assert.Equal(expected, proxy.Section("Service").Where(e => !notHardening.Contains(e.Key)));
    }

    [Fact]
    public void SystemdUnit_StopTimeoutOutlastsTheDrain()
    {
        var unit = UnitFile.Read(InDeploy(Unit));
        var stopTimeout = SystemdSeconds(unit.Single("Service", "TimeoutStopSec"));
        var (shared, _) = Load(SplitCommandLine(unit.Single("Service", "ExecStart")), InDeploy(ExampleConfig));

        Assert.True(stopTimeout > shared.DrainTimeout, $"TimeoutStopSec={stopTimeout} must exceed drain-timeout {shared.DrainTimeout}");
    }

    [Fact]
    public void SystemdUnit_PassesSystemdAnalyzeVerify()
    {
        var (exitCode, printed, copy) = SystemdAnalyzer.Verify(InDeploy(Unit), _temp);
        output.WriteLine($"systemd-analyze verify: exit {exitCode}\n{printed}");

        Assert.Equal(0, exitCode);
        // Unknown keys and unparsable values are only warnings (exit code 0), printed as "<path>:<line>: ...".
        Assert.DoesNotContain(copy, printed, StringComparison.Ordinal);
    }

    // ------------------------------------------------------------------ Kubernetes

    [Fact]
    public void Manifest_IsYamlWithAConfigMapADeploymentOfTwoAServiceAndADisruptionBudget()
    {
        var manifest = GrpcProxyManifest.Read();

        Assert.Equal(4, manifest.Documents.Count);
        Assert.Equal("apps/v1", Scalar(manifest.Deployment, "apiVersion"));
        Assert.Equal("2", Scalar(manifest.Deployment, "spec", "replicas"));
        Assert.Equal("v1", Scalar(manifest.Service, "apiVersion"));
        Assert.Equal("ClusterIP", Scalar(manifest.Service, "spec", "type"));
        Assert.Equal("policy/v1", Scalar(manifest.DisruptionBudget, "apiVersion"));
        Assert.All(manifest.Documents, d => Assert.Equal(Scalar(manifest.Deployment, "metadata", "namespace"), Scalar(d, "metadata", "namespace")));

        // A rollout starts the new pod before an old one stops.
        Assert.Equal("0", Scalar(manifest.Deployment, "spec", "strategy", "rollingUpdate", "maxUnavailable"));
    }

    [Fact]
    public void Manifest_SelectorsOfTheDeploymentServiceAndBudget_MatchThePodLabels()
    {
        var manifest = GrpcProxyManifest.Read();
        var labels = Mapping(manifest.Deployment, "spec", "template", "metadata", "labels");

        foreach (var (what, selector) in new[]
                 {
                     ("Deployment", Mapping(manifest.Deployment, "spec", "selector", "matchLabels")),
                     ("Service", Mapping(manifest.Service, "spec", "selector")),
                     ("PodDisruptionBudget", Mapping(manifest.DisruptionBudget, "spec", "selector", "matchLabels")),
                 })
        {
            Assert.NotEmpty(selector.Children);
            foreach (var (key, value) in selector.Children)
            {
                Assert.True(labels.Children.TryGetValue(key, out var label) && label.Equals(value), $"{what} selects {key}={value}, which the pods lack");
            }
        }
    }

    [Fact]
    public void Service_SendsPort23790ToThePortTheProxyListensOn()
    {
        var manifest = GrpcProxyManifest.Read();
        var (shared, _) = manifest.Load(WriteConfigMapFile(manifest));

        var port = Assert.Single(Sequence(manifest.Service, "spec", "ports").Children);
        Assert.Equal("23790", Scalar(port, "port"));
        Assert.Equal(shared.ListenAddress.Port.ToString(CultureInfo.InvariantCulture), manifest.ContainerPort(Scalar(port, "targetPort")!));
        Assert.Equal("0.0.0.0", shared.ListenAddress.Host);
    }

    [Fact]
    public void Deployment_ProbesReadinessOnTheProxyPortsHealth_AndLivenessOnTheAdminListener()
    {
        var manifest = GrpcProxyManifest.Read();
        var (shared, _) = manifest.Load(WriteConfigMapFile(manifest));
        var container = manifest.Container;

        // etcd's proxy answers /health on its own port: a linearizable read through the proxy.
        Assert.Equal("/health", Scalar(container, "readinessProbe", "httpGet", "path"));
        Assert.Equal(shared.ListenAddress.Port.ToString(CultureInfo.InvariantCulture), manifest.ContainerPort(Scalar(container, "readinessProbe", "httpGet", "port")!));

        // Not /health: it fails whenever etcd has no quorum, and restarting every proxy then helps nobody.
        Assert.Equal("/status", Scalar(container, "livenessProbe", "httpGet", "path"));
        Assert.NotNull(shared.MetricsAddress);
        Assert.Equal(shared.MetricsAddress.Port.ToString(CultureInfo.InvariantCulture), manifest.ContainerPort(Scalar(container, "livenessProbe", "httpGet", "port")!));

        // The kubelet probes the pod's IP: no host: loopback here, unlike the DaemonSet with hostNetwork.
        Assert.Null(Scalar(container, "readinessProbe", "httpGet", "host"));
        Assert.Null(Scalar(container, "livenessProbe", "httpGet", "host"));
    }

    [Fact]
    public void Deployment_RegistersEachPodUnderItsOwnIp_FromTheDownwardApi()
    {
        var manifest = GrpcProxyManifest.Read();
        var (shared, proxy) = manifest.Load(WriteConfigMapFile(manifest));

        var podIp = Assert.Single(Sequence(manifest.Container, "env").Children, e => Scalar(e, "name") == "POD_IP");
        Assert.Equal("status.podIP", Scalar(podIp, "valueFrom", "fieldRef", "fieldPath"));
        Assert.Contains("--advertise-client-url=$(POD_IP):23790", manifest.Args);
        Assert.Equal($"{ExamplePodIp}:{shared.ListenAddress.Port}", proxy.AdvertiseClientUrl);
        Assert.NotEqual("", proxy.ResolverPrefix);
        Assert.True(proxy.ResolverTtl >= 1);
    }

    [Fact]
    public void Deployment_MountsTheConfigMapWhereTheProxyReadsIt()
    {
        var manifest = GrpcProxyManifest.Read();
        var configFile = Assert.Single(manifest.Args, a => a.StartsWith("--config-file=", StringComparison.Ordinal))["--config-file=".Length..];

        var mount = Assert.Single(Sequence(manifest.Container, "volumeMounts").Children, m => Scalar(m, "mountPath") == Path.GetDirectoryName(configFile));
        var volume = Assert.Single(Sequence(manifest.Deployment, "spec", "template", "spec", "volumes").Children, v => Scalar(v, "name") == Scalar(mount, "name"));
        Assert.Equal(Scalar(manifest.ConfigMap, "metadata", "name"), Scalar(volume, "configMap", "name"));
        Assert.NotNull(Scalar(manifest.ConfigMap, "data", Path.GetFileName(configFile)));
    }

    [Fact]
    public void Deployment_IsLockedDownAsTheDaemonSet_AndOutlastsTheDrain()
    {
        var manifest = GrpcProxyManifest.Read();
        var pod = Mapping(manifest.Deployment, "spec", "template", "spec");
        var container = manifest.Container;

        Assert.Equal("true", Scalar(pod, "securityContext", "runAsNonRoot"));
        Assert.Equal("1654", Scalar(pod, "securityContext", "runAsUser"));
        Assert.Equal("RuntimeDefault", Scalar(pod, "securityContext", "seccompProfile", "type"));
        Assert.Equal("false", Scalar(pod, "automountServiceAccountToken"));
        Assert.Equal("false", Scalar(container, "securityContext", "allowPrivilegeEscalation"));
        Assert.Equal("true", Scalar(container, "securityContext", "readOnlyRootFilesystem"));
        Assert.Equal(["ALL"], Sequence(container, "securityContext", "capabilities", "drop").Children.Select(c => Scalar(c)));
        Assert.NotNull(Scalar(container, "resources", "requests", "cpu"));
        Assert.NotNull(Scalar(container, "resources", "requests", "memory"));
        Assert.NotNull(Scalar(container, "resources", "limits", "memory"));

        var grace = TimeSpan.FromSeconds(int.Parse(Scalar(pod, "terminationGracePeriodSeconds")!, CultureInfo.InvariantCulture));
        var (shared, _) = manifest.Load(WriteConfigMapFile(manifest));
        Assert.True(grace > shared.DrainTimeout, $"terminationGracePeriodSeconds ({grace}) must exceed drain-timeout {shared.DrainTimeout}");
    }

    // ------------------------------------------------------------------ every command line

    [Fact]
    public void EveryCommandLine_UsesOnlyTheProxysFlags_AndLoadsWithItsConfig()
    {
        var known = GrpcProxyFlags.All.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        var unit = UnitFile.Read(InDeploy(Unit));
        var manifest = GrpcProxyManifest.Read();
        var commandLines = new (string Where, IReadOnlyList<string> Args, string ConfigFile)[]
        {
            ($"{Unit} ExecStart", SplitCommandLine(unit.Single("Service", "ExecStart")), InDeploy(ExampleConfig)),
            ("kubernetes/grpc-proxy.yaml command + args", manifest.CommandLine, WriteConfigMapFile(manifest)),
        };

        foreach (var (where, args, configFile) in commandLines)
        {
            output.WriteLine($"{where}: {string.Join(' ', args)}");
            Assert.Equal([InstalledBinary, "grpc-proxy", "start"], args.Take(3));
            foreach (var name in FlagNames(args))
            {
                if (!known.Contains(name))
                {
                    Assert.Fail($"{where}: --{name} is not a flag of etcd-gateway grpc-proxy start");
                }
            }

            // The whole command line, through the proxy's own parser and config loader, with the config file it would find.
            var (shared, _) = Load(args, configFile);
            Assert.NotEmpty(shared.Endpoints);
        }
    }

    // ------------------------------------------------------------------ helpers

    /// <summary>
    /// Options as <c>etcd-gateway grpc-proxy start</c> would load them from this command line (the binary and the command
    /// first), with its <c>--config-file</c> pointed at <paramref name="configFile"/> (the installed path does not exist here).
    /// </summary>
    private static (GatewayOptions Shared, GrpcProxyOptions Proxy) Load(IReadOnlyList<string> args, string configFile)
    {
        Assert.Equal([InstalledBinary, "grpc-proxy", "start"], args.Take(3));
        var flags = args.Skip(3).Select(a => a.StartsWith("--config-file=", StringComparison.Ordinal) ? $"--config-file={configFile}" : a).ToList();
        Assert.Contains($"--config-file={configFile}", flags);
        return GrpcProxyConfiguration.Load(FlagParser.Parse(flags, GrpcProxyFlags.All));
    }

    private string WriteConfigMapFile(GrpcProxyManifest manifest)
    {
        var path = Path.Combine(_temp, $"configmap-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, Scalar(manifest.ConfigMap, "data", ExampleConfig) ?? throw new InvalidOperationException($"the ConfigMap has no {ExampleConfig}"));
        return path;
    }

    /// <summary>A commented-out example key: "# key: value".</summary>
    [GeneratedRegex(@"^# ([a-z-]+): (\S.*)$", RegexOptions.Multiline)]
    private static partial Regex CommentedKeyPattern();

    /// <summary>deploy/kubernetes/grpc-proxy.yaml: its documents, the proxy's container and the command line it runs.</summary>
    private sealed class GrpcProxyManifest
    {
        private GrpcProxyManifest(IReadOnlyList<YamlMappingNode> documents)
        {
            Documents = documents;
            ConfigMap = Assert.Single(documents, d => Scalar(d, "kind") == "ConfigMap");
            Deployment = Assert.Single(documents, d => Scalar(d, "kind") == "Deployment");
            Service = Assert.Single(documents, d => Scalar(d, "kind") == "Service");
            DisruptionBudget = Assert.Single(documents, d => Scalar(d, "kind") == "PodDisruptionBudget");
            Container = Assert.Single(Sequence(Deployment, "spec", "template", "spec", "containers").Children.OfType<YamlMappingNode>());
            Args = [.. Sequence(Container, "args").Children.Select(a => Scalar(a) ?? "")];

            // `command` replaces the image's ENTRYPOINT (`etcd-gateway start`): the same binary, in proxy mode.
            var command = Sequence(Container, "command").Children.Select(c => Scalar(c) ?? "").ToList();
            Assert.Equal(Dockerfile.Read(InDeploy("Dockerfile")).Exec("ENTRYPOINT")[0], command[0]);

            // Kubernetes expands $(POD_IP) from the container's environment before the process sees it.
            CommandLine = [.. command, .. Args.Select(a => a.Replace("$(POD_IP)", ExamplePodIp, StringComparison.Ordinal))];
        }

        public IReadOnlyList<YamlMappingNode> Documents { get; }

        public YamlMappingNode ConfigMap { get; }

        public YamlMappingNode Deployment { get; }

        public YamlMappingNode Service { get; }

        public YamlMappingNode DisruptionBudget { get; }

        public YamlMappingNode Container { get; }

        public IReadOnlyList<string> Args { get; }

        public IReadOnlyList<string> CommandLine { get; }

        public static GrpcProxyManifest Read() => new(ReadDocuments(InDeploy("kubernetes", "grpc-proxy.yaml")));

        public (GatewayOptions Shared, GrpcProxyOptions Proxy) Load(string configFile) => GrpcProxyDeploymentFilesTests.Load(CommandLine, configFile);

        /// <summary>The container port a probe or the Service names, by name or number.</summary>
        public string? ContainerPort(string nameOrNumber) =>
            Sequence(Container, "ports").Children
                .Where(p => Scalar(p, "name") == nameOrNumber || Scalar(p, "containerPort") == nameOrNumber)
                .Select(p => Scalar(p, "containerPort"))
                .SingleOrDefault();
    }
}
