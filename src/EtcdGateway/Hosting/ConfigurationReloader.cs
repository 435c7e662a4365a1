using System.Net;
using System.Runtime.InteropServices;
using EtcdGateway.Balancing;
using EtcdGateway.Cli;
using EtcdGateway.Discovery;
using EtcdGateway.Endpoints;
using EtcdGateway.Logging;

namespace EtcdGateway.Hosting;

/// <summary>
/// SIGHUP: re-reads <c>--config-file</c> (with the command-line flags on top, as at start) and applies the endpoints and the
/// health, balancing and timing settings live. Certificate and CA files are read again, so a renewed file under the same
/// path takes effect. Open connections are not touched. A bad file is logged and the running configuration kept.
/// Settings that need a new listening socket are reported and left as they are.
/// </summary>
internal sealed class ConfigurationReloader : IDisposable
{
    private readonly ParsedFlags _commandLine;
    private readonly Func<ParsedFlags, GatewayOptions> _load;
    private readonly LiveSettings _settings;
    private readonly EndpointPicker _picker;
    private readonly EndpointSetUpdater _updater;
    private readonly JsonLogger _logger;
    private readonly IPEndPoint _listenEndPoint;
    private readonly Random _random;
    private readonly SrvDiscovery? _discovery;
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private readonly PosixSignalRegistration _registration;

    public ConfigurationReloader(
        ParsedFlags commandLine, Func<ParsedFlags, GatewayOptions> load, LiveSettings settings, EndpointPicker picker, EndpointSetUpdater updater, JsonLogger logger, IPEndPoint listenEndPoint, Random random,
        SrvDiscovery? discovery = null)
    {
        _discovery = discovery;
        _commandLine = commandLine;
        _load = load;
        _settings = settings;
        _picker = picker;
        _updater = updater;
        _logger = logger;
        _listenEndPoint = listenEndPoint;
        _random = random;
        _registration = PosixSignalRegistration.Create(PosixSignal.SIGHUP, signal =>
        {
            // SIGHUP would end the process by default; here it means "reload".
            signal.Cancel = true;
            _ = ReloadAsync();
        });
    }

    public void Dispose()
    {
        _registration.Dispose();
        _oneAtATime.Dispose();
    }

    /// <summary>One reload; returns whether the new configuration is in force.</summary>
    public async Task<bool> ReloadAsync()
    {
        await _oneAtATime.WaitAsync();
        try
        {
            var running = _settings.Options;
            var file = running.ConfigFile;
            if (file is null)
            {
                _logger.Info("received SIGHUP; there is no --config-file to reload");
                return false;
            }

            var options = _load(_commandLine);
            var endpoints = options.Discovery is null ? await EndpointResolver.ResolveAsync(options.Endpoints, _listenEndPoint) : [];
            if (options.ListenAddress != running.ListenAddress)
            {
                _logger.Warn("listen-addr changes need a restart; keeping the current listener", [
                    new("listen-addr", running.ListenAddress.ToString()), new("configured", options.ListenAddress.ToString())]);
            }

            // Read before anything is applied, so a CA file that cannot be read keeps the running configuration. The health
            // probe and member-list sync read their files again on their next round (a reload gives them new options).
            var verifier = _discovery is not null && options.Discovery is { } srv ? TlsEndpointVerifier.Create(srv.TrustedCaFile, options.DialTimeout) : null;
            if (options.PickPolicy != running.PickPolicy)
            {
                _picker.Policy = PickPolicyFactory.Create(options.PickPolicy, _random);
            }

            _settings.Options = options with { ListenAddress = running.ListenAddress };
            _logger.MinimumLevel = options.LogLevel;
            if (verifier is not null)
            {
                _discovery!.UseVerifier(verifier);
            }

            // With SRV discovery, DNS owns the set (the refresher keeps it current); turning discovery on or off, or
            // pointing it elsewhere, needs a restart. With auto-sync on, the running set is the cluster's; the file's list
            // replaces it only when the file changed it.
            if (options.Discovery is not null || running.Discovery is not null)
            {
                if (options.Discovery?.Domain != running.Discovery?.Domain || options.Discovery?.ServiceName != running.Discovery?.ServiceName)
                {
                    _logger.Warn("discovery-srv changes need a restart; keeping the current endpoint source", [
                        new("discovery-srv", running.Discovery?.Domain), new("configured", options.Discovery?.Domain)]);
                }
            }
            else if (options.AutoSyncInterval == TimeSpan.Zero || !options.Endpoints.SequenceEqual(running.Endpoints))
            {
                _updater.Replace(endpoints, options.EndpointsSource);
            }

            _logger.Info("reloaded configuration", [new("config-file", file)]);
            return true;
        }
        catch (UsageException e)
        {
            // A bad file or value, or a name that does not resolve: the message says which.
            _logger.Error("cannot reload configuration; keeping the running configuration", [LogField.Error(e)]);
            return false;
        }
        catch (Exception e)
        {
            // Anything else is a fault of ours, and just as much a reason to keep what runs.
            _logger.Error("cannot reload configuration; keeping the running configuration", [.. LogField.Unexpected(e)]);
            return false;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }
}
