using EtcdGateway.Cli;
using EtcdGateway.Grpc.Serving;
using EtcdGateway.Grpc.Upstream;
using EtcdGateway.Hosting;
using EtcdGateway.Logging;
using Microsoft.AspNetCore.Builder;

namespace EtcdGateway.Grpc;

/// <summary>
/// The L7 proxy's client-facing side, as the host runs it: Kestrel serving etcd's API on the host's listening socket,
/// every call forwarded to a member through <see cref="ClusterCallInvoker"/>. Nothing of it exists in the L4 gateway's
/// process: it is made only by <c>grpc-proxy start</c>.
/// </summary>
internal sealed class GrpcProxyDataPath : IDataPath
{
    private readonly WebApplication _app;
    private readonly SharedPortTransport _transport;
    private readonly MemberChannels _members;
    private readonly JsonLogger _logger;
    private readonly CancellationTokenSource _draining;
    private readonly CancellationTokenSource _stopNow = new();
    private Task? _kestrelStopped;

    private GrpcProxyDataPath(WebApplication app, SharedPortTransport transport, MemberChannels members, CancellationTokenSource draining, JsonLogger logger)
    {
        _app = app;
        _transport = transport;
        _members = members;
        _draining = draining;
        _logger = logger;
    }

    /// <summary>The L7 mode's data path from the shared parts and the proxy's own options.</summary>
    public static IDataPath Create(DataPathParts parts, GrpcProxyOptions options)
    {
        var members = new MemberChannels(parts.Picker.Registry, options, parts.DialTimeout, parts.Time);
        var cluster = new ClusterCallInvoker(parts.Picker, members, parts.Tracker);

        // Streams move to another member when theirs fails, until the drain begins: then they end with it.
        var draining = new CancellationTokenSource();
        var streams = new MemberStreams(parts.Picker, members, parts.Tracker, parts.Time, draining.Token);
        var transport = new SharedPortTransport(parts.ListenSocket, parts.Logger, parts.Time);
        var app = GrpcProxyServer.Build(transport, cluster, streams, options, parts.Tracker.MaxConnections, parts.Logger, parts.Time);
        return new GrpcProxyDataPath(app, transport, members, draining, parts.Logger);
    }

    public async Task<bool> RunAsync(CancellationToken stopping)
    {
        await _app.StartAsync(stopping);

        // etcd's line, which its tests and scripts wait for; the address is the one bound (so :0 shows its port).
        _logger.Info("started gRPC proxy", [new("address", _transport.ListenAddress.ToString())]);

        var stopped = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool clean;
        using (stopping.Register(() => stopped.TrySetResult(true)))
        {
            clean = await await Task.WhenAny(stopped.Task, _transport.AcceptEnded);
        }

        // Stop accepting, then let Kestrel stop gracefully (streams stop moving between members first): HTTP/2 clients are told (GOAWAY) to open no new streams here,
        // open calls and streams go on. The host's drain decides how long they may; Dispose ends what is left.
        await _draining.CancelAsync();
        await _transport.StopAcceptingAsync();
        _kestrelStopped = _app.StopAsync(_stopNow.Token);
        return clean;
    }

    public void Dispose()
    {
        _stopNow.Cancel();
        try
        {
            (_kestrelStopped ?? _app.StopAsync(_stopNow.Token)).Wait(TimeSpan.FromSeconds(5));
            _app.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
            _transport.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException e)
        {
            _logger.Warn("gRPC proxy server did not stop cleanly", [.. LogField.Unexpected(e)]);
        }

        _members.Dispose();
        _draining.Dispose();
        _stopNow.Dispose();
    }
}
