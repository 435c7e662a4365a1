using EtcdGateway.Admin;

namespace EtcdGateway.Hosting;

/// <summary>A mode's client-facing side, as the host runs it: serve until told to stop, then let the host drain.</summary>
internal interface IDataPath : IDisposable
{
    /// <summary>
    /// Serves clients until <paramref name="stopping"/> fires (true) or the listener breaks for good (false). Open
    /// connections go on after it returns; the host drains them through the shared <c>ConnectionTracker</c>.
    /// </summary>
    Task<bool> RunAsync(CancellationToken stopping);

    /// <summary>What the admin listener (<c>--metrics-addr</c>) shows of this mode: its metric families, traffic per endpoint, health.</summary>
    IAdminModeView AdminView { get; }
}
