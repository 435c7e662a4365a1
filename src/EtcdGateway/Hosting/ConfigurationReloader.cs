using System.Net;
using System.Runtime.InteropServices;
using EtcdGateway.Balancing;
using EtcdGateway.Cli;
using EtcdGateway.Logging;
using EtcdGateway.Relay;

namespace EtcdGateway.Hosting;

/// <summary>
/// SIGHUP: re-reads <c>--config-file</c> (with the command-line flags on top, as at start) and applies the endpoints and the
/// health, balancing and timing settings live. Open connections are not touched. A bad file is logged and the running
/// configuration kept. Settings that need a new listening socket are reported and left as they are.
/// </summary>
internal sealed class ConfigurationReloader : IDisposable
{
    private readonly ParsedFlags _commandLine;
    private readonly GatewayContext _context;
    private readonly IPEndPoint _listenEndPoint;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private readonly PosixSignalRegistration _registration;

    public ConfigurationReloader(ParsedFlags commandLine, GatewayContext context, IPEndPoint listenEndPoint, TimeProvider time, Random random)
    {
        _commandLine = commandLine;
        _context = context;
        _listenEndPoint = listenEndPoint;
        _time = time;
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
            var running = _context.Settings;
            var file = running.Options.ConfigFile;
            if (file is null)
            {
                _context.Logger.Info("received SIGHUP; there is no --config-file to reload");
                return false;
            }

            var options = GatewayConfiguration.Load(_commandLine);
            var endpoints = options.Discovery is null ? await EndpointResolver.ResolveAsync(options.Endpoints, _listenEndPoint) : [];
            if (options.ListenAddress != running.Options.ListenAddress)
            {
                _context.Logger.Warn("listen-addr changes need a restart; keeping the current listener", [
                    new("listen-addr", running.Options.ListenAddress.ToString()), new("configured", options.ListenAddress.ToString())]);
            }

            var policy = options.PickPolicy == running.Options.PickPolicy ? running.PickPolicy : PickPolicyFactory.Create(options.PickPolicy, _random);
            _context.Settings = new LiveSettings(options with { ListenAddress = running.Options.ListenAddress }, policy, new BackendDialer(options.DialTimeout, _time));
            _context.Logger.MinimumLevel = options.LogLevel;

            // With SRV discovery, DNS owns the set (the refresher keeps it current); turning discovery on or off, or
            // pointing it elsewhere, needs a restart. With auto-sync on, the running set is the cluster's; the file's list
            // replaces it only when the file changed it.
            if (options.Discovery is not null || running.Options.Discovery is not null)
            {
                if (options.Discovery?.Domain != running.Options.Discovery?.Domain || options.Discovery?.ServiceName != running.Options.Discovery?.ServiceName)
                {
                    _context.Logger.Warn("discovery-srv changes need a restart; keeping the current endpoint source", [
                        new("discovery-srv", running.Options.Discovery?.Domain), new("configured", options.Discovery?.Domain)]);
                }
            }
            else if (options.AutoSyncInterval == TimeSpan.Zero || !options.Endpoints.SequenceEqual(running.Options.Endpoints))
            {
                _context.ReplaceEndpoints(endpoints, options.EndpointsSource);
            }

            _context.Logger.Info("reloaded configuration", [new("config-file", file)]);
            return true;
        }
        catch (UsageException e)
        {
            // A bad file or value, or a name that does not resolve: the message says which.
            _context.Logger.Error("cannot reload configuration; keeping the running configuration", [LogField.Error(e)]);
            return false;
        }
        catch (Exception e)
        {
            // Anything else is a fault of ours, and just as much a reason to keep what runs.
            _context.Logger.Error("cannot reload configuration; keeping the running configuration", [.. LogField.Unexpected(e)]);
            return false;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }
}
