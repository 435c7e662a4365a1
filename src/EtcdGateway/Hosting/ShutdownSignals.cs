using System.Runtime.InteropServices;
using EtcdGateway.Logging;

namespace EtcdGateway.Hosting;

/// <summary>
/// SIGTERM and SIGINT: the first starts a graceful drain (<see cref="Stopping"/> fires), a second one exits at once
/// with 128 + the signal number, as a shell reports a process killed by that signal.
/// </summary>
internal sealed class ShutdownSignals : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly JsonLogger _logger;
    private int _received;

    public ShutdownSignals(JsonLogger logger)
    {
        _logger = logger;
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal));
    }

    public CancellationToken Stopping => _stopping.Token;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _stopping.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        // Keep the runtime from terminating the process: we decide when to exit.
        context.Cancel = true;
        var name = context.Signal == PosixSignal.SIGTERM ? "SIGTERM" : "SIGINT";
        if (Interlocked.Increment(ref _received) == 1)
        {
            _logger.Info("received signal; shutting down gracefully", [new("signal", name)]);
            _stopping.Cancel();
            return;
        }

        var code = context.Signal == PosixSignal.SIGTERM ? 143 : 130;

        // "At once" must hold even if stderr is a stuck pipe: give the line a moment to get out, then go.
        _logger.Warn("received second signal; exiting without waiting for connections", [new("signal", name), new("exit-code", code)]);
        _logger.Flush(TimeSpan.FromMilliseconds(200));
        Environment.Exit(code);
    }
}
