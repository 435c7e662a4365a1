using System.Threading.Channels;
using EtcdGateway.Protos.Etcdserverpb;
using Grpc.Core;

namespace EtcdGateway.Grpc.Lease;

/// <summary>
/// One client's LeaseKeepAlive stream on the proxy: each keep-alive it sends goes to the shared stream's
/// <see cref="LeaseRenewalCoalescer"/>, each answer comes back through <see cref="Answer"/> and is written to the client.
/// As from etcd: one answer per keep-alive; a half-closed stream ends (OK) once every keep-alive sent is answered; an
/// error the cluster ended a renewal with ends the stream with that error. Answers to different leases may come in
/// another order than their keep-alives (etcd's clients match them by ID). A client that stops reading stops being read
/// once <see cref="MostUnanswered"/> keep-alives wait, as a member's flow control would stop it.
/// </summary>
internal sealed class ClientKeepAliveStream : IKeepAliveWaiter, IDisposable
{
    private const int MostUnanswered = 128;

    private readonly Channel<LeaseKeepAliveResponse> _answers = Channel.CreateUnbounded<LeaseKeepAliveResponse>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _room = new(MostUnanswered, MostUnanswered);
    private RpcException? _failure;

    public void Answer(LeaseKeepAliveResponse response) => _answers.Writer.TryWrite(response);

    public void Fail(RpcException error)
    {
        Interlocked.CompareExchange(ref _failure, error, null);
        _answers.Writer.TryComplete();
    }

    /// <summary>After <see cref="RunAsync"/> ended: answers that still come only go into the closed queue.</summary>
    public void Dispose() => _room.Dispose();

    public async Task RunAsync(
        IAsyncStreamReader<LeaseKeepAliveRequest> fromClient, IServerStreamWriter<LeaseKeepAliveResponse> toClient, LeaseRenewalCoalescer leases, CancellationToken clientGone)
    {
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(clientGone);
        var writing = WriteAsync(toClient, ended);
        try
        {
            while (await fromClient.MoveNext(ended.Token))
            {
                await _room.WaitAsync(ended.Token);
                leases.KeepAlive(fromClient.Current.ID, this);
            }

            // Half-closed: etcd answers what it was sent, then ends the stream.
            for (var i = 0; i < MostUnanswered; i++)
            {
                await _room.WaitAsync(ended.Token);
            }

            _answers.Writer.TryComplete();
        }
        catch (OperationCanceledException) when (ended.IsCancellationRequested)
        {
            // The client went away, or the writer stopped (an error for the client, or the client gone).
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            // The client's side broke; its call's cancellation ends the rest.
        }
        finally
        {
            await ended.CancelAsync();
            await writing;
        }

        if (Volatile.Read(ref _failure) is { } failure)
        {
            throw failure;
        }
    }

    private async Task WriteAsync(IServerStreamWriter<LeaseKeepAliveResponse> toClient, CancellationTokenSource ended)
    {
        try
        {
            while (await _answers.Reader.WaitToReadAsync(ended.Token))
            {
                while (_answers.Reader.TryRead(out var answer))
                {
                    await toClient.WriteAsync(answer, ended.Token);
                    _room.Release();
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The client is gone, or the stream is over.
        }
        finally
        {
            await ended.CancelAsync();
        }
    }
}
