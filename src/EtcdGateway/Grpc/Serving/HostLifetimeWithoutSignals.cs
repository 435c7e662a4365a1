using Microsoft.Extensions.Hosting;

namespace EtcdGateway.Grpc.Serving;

/// <summary>
/// The web host's lifetime without its own SIGTERM/SIGINT handling: the gateway host owns the signals and the drain,
/// and stops Kestrel when the drain says so; the default console lifetime would stop it at the first signal.
/// </summary>
internal sealed class HostLifetimeWithoutSignals : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
