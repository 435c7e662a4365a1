using System.Net;
using System.Runtime.InteropServices;
using EtcdGateway.Balancing;
using EtcdGateway.Cli;
using EtcdGateway.Endpoints;
using EtcdGateway.Logging;

namespace EtcdGateway.Hosting;

/// <summary>
/// SIGHUP: re-reads <c>--config-file</c> (with the command-line flags on top, as at start) and applies the endpoints and the
/// health, balancing and timing settings live. Open connections are not touched. A bad file is logged and the running
/// configuration kept. Settings that need a new listening socket are reported and left as they are.
/// </summary>
internal sealed class ConfigurationReloader : IDisposable
{
    private readonly ParsedFlags _commandLine;
    private readonly LiveSettings _settings;
    private readonly EndpointPicker _picker;
    private readonly EndpointSetUpdater _updater;
    private readonly JsonLogger _logger;
    private readonly IPEndPoint _listenEndPoint;
    private readonly Random _random;
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private readonly PosixSignalRegistration _registration;

    public ConfigurationReloader(
        ParsedFlags commandLine, LiveSettings settings, EndpointPicker picker, EndpointSetUpdater updater, JsonLogger logger, IPEndPoint listenEndPoint, Random random)
    {
        _commandLine = commandLine;
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

            var options = GatewayConfiguration.Load(_commandLine);
            var endpoints = options.Discovery is null ? await EndpointResolver.ResolveAsync(options.Endpoints, _listenEndPoint) : [];
            if (options.ListenAddress != running.ListenAddress)
            {
                _logger.Warn("listen-addr changes need a restart; keeping the current listener", [
                    new("listen-addr", running.ListenAddress.ToString()), new("configured", options.ListenAddress.ToString())]);
            }

            if (options.PickPolicy != running.PickPolicy)
            {
                _picker.Policy = PickPolicyFactory.Create(options.PickPolicy, _random);
            }

            _settings.Options = options with { ListenAddress = running.ListenAddress };
            _logger.MinimumLevel = options.LogLevel;

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
        catch (Exception e)
        {
            // UsageException for a bad file or value; anything else is just as much a reason to keep what runs.
            _logger.Error("cannot reload configuration; keeping the running configuration", [LogField.Error(e)]);
            return false;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }
}
