using System.Threading.Channels;
using EtcdGateway.Logging;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;
using WatchApi = EtcdGateway.Protos.Etcdserverpb.Watch;

namespace EtcdGateway.Grpc.Cache;

/// <summary>
/// One identity's watch stream to the cluster, opened with that identity's credentials: it sends the store's create and
/// cancel requests and the heartbeat's progress requests, and hands what comes back to the store (events invalidate,
/// created/cancelled answers confirm or end watchers). When it ends, for whatever reason, the store drops the identity's
/// answers.
/// </summary>
internal sealed class FeedStream
{
    private static readonly WatchRequest ProgressRequest = new() { ProgressRequest = new WatchProgressRequest() };

    private readonly Channel<WatchRequest> _outbox = Channel.CreateUnbounded<WatchRequest>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _closed;
    private readonly IdentityWatches _watches;

    public FeedStream(IdentityWatches watches, CancellationToken stopping)
    {
        _watches = watches;
        _closed = CancellationTokenSource.CreateLinkedTokenSource(stopping);
    }

    public void Create(WatchedRange range) => _outbox.Writer.TryWrite(new WatchRequest
    {
        CreateRequest = new WatchCreateRequest
        {
            Key = range.Range.Key,
            RangeEnd = range.Range.End,
            StartRevision = range.StartRevision,
            WatchId = range.WatchId,
        },
    });

    public void Cancel(WatchedRange range) => _outbox.Writer.TryWrite(new WatchRequest { CancelRequest = new WatchCancelRequest { WatchId = range.WatchId } });

    public void AskProgress() => _outbox.Writer.TryWrite(ProgressRequest);

    public void Close()
    {
        _outbox.Writer.TryComplete();
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // It had ended already.
        }
    }

    public async Task RunAsync(CallInvoker cluster, RangeCacheStore store, JsonLogger logger)
    {
        try
        {
            using var call = new WatchApi.WatchClient(cluster).Watch(new CallOptions(StreamHeaders(), cancellationToken: _closed.Token));
            var sending = SendAsync(call.RequestStream);
            await foreach (var response in call.ResponseStream.ReadAllAsync(_closed.Token))
            {
                Receive(store, response);
            }

            await sending;
        }
        catch (Exception e) when (e is OperationCanceledException || (e is RpcException rpc && rpc.StatusCode == StatusCode.Cancelled && _closed.IsCancellationRequested))
        {
            // Closed by the store or stopped with the proxy.
        }
        catch (Exception e)
        {
            logger.Debug("range cache watch ended; its answers are dropped", [new("error", e.Message)]);
        }
        finally
        {
            store.StreamLost(_watches);
            _outbox.Writer.TryComplete();
            _closed.Dispose();
        }
    }

    /// <summary>
    /// The identity's credentials, and etcd's <c>hasleader</c>: a member cut off from its leader ends the stream (its
    /// watch would be silent about the majority's writes while still answering progress requests).
    /// </summary>
    private Metadata StreamHeaders()
    {
        var headers = new Metadata { { "hasleader", "true" } };
        foreach (var entry in _watches.Identity.Headers)
        {
            headers.Add(entry);
        }

        return headers;
    }

    private void Receive(RangeCacheStore store, WatchResponse response)
    {
        store.Heard(_watches);
        if (response.Created)
        {
            store.Created(_watches, refused: response.Canceled);
            return;
        }

        foreach (var change in response.Events)
        {
            if (change.Kv is { } kv)
            {
                store.Invalidate(KeyRange.Single(kv.Key), kv.ModRevision);
            }
        }

        // A compacted start revision, or a watcher the cluster ended: nothing it covered can be trusted any more.
        if (response.Canceled || response.CompactRevision > 0)
        {
            store.Cancelled(_watches, response.WatchId);
        }
    }

    private async Task SendAsync(IClientStreamWriter<WatchRequest> requests)
    {
        try
        {
            await foreach (var request in _outbox.Reader.ReadAllAsync(_closed.Token))
            {
                await requests.WriteAsync(request, _closed.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException or InvalidOperationException)
        {
            // The reading side sees the same end and reports it.
        }
    }
}
