using System.Threading.Channels;
using EtcdGateway.Endpoints;
using Grpc.Core;

namespace EtcdGateway.Grpc.Forwarding;

/// <summary>
/// One member's call of a relayed stream. Requests are written in order by the call's own writer, so the relay's loop
/// never waits on a member that stopped reading; responses, and finally how the call ended, go into the relay's queue
/// tagged with the call's number, so that what a replaced call still says is recognised and dropped.
/// </summary>
internal sealed class MemberCall<TRequest, TResponse> : IDisposable
    where TRequest : class
    where TResponse : class
{
    private readonly AsyncDuplexStreamingCall<TRequest, TResponse> _call;
    private readonly Channel<TRequest> _outgoing = Channel.CreateUnbounded<TRequest>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    public MemberCall(int number, Endpoint endpoint, AsyncDuplexStreamingCall<TRequest, TResponse> call, ChannelWriter<RelayInput<TRequest, TResponse>> inbox, CancellationToken relayEnded)
    {
        Number = number;
        Endpoint = endpoint;
        _call = call;
        _ = WriteAsync();
        _ = ReadAsync(inbox, relayEnded);
    }

    public int Number { get; }

    public Endpoint Endpoint { get; }

    /// <summary>Whether the member has answered anything on this call yet.</summary>
    public bool Answered { get; set; }

    public void Send(TRequest request) => _outgoing.Writer.TryWrite(request);

    /// <summary>Cancels the call (the member sees the stream reset) and stops its writer.</summary>
    public void Dispose()
    {
        _outgoing.Writer.TryComplete();
        _call.Dispose();
    }

    private async Task WriteAsync()
    {
        try
        {
            await foreach (var request in _outgoing.Reader.ReadAllAsync())
            {
                await _call.RequestStream.WriteAsync(request);
            }
        }
        catch (Exception e) when (e is RpcException or IOException or InvalidOperationException or OperationCanceledException or ObjectDisposedException)
        {
            // The call is over; its reader reports how it ended.
        }
    }

    private async Task ReadAsync(ChannelWriter<RelayInput<TRequest, TResponse>> inbox, CancellationToken relayEnded)
    {
        Exception? error = null;
        try
        {
            while (await _call.ResponseStream.MoveNext(CancellationToken.None))
            {
                await inbox.WriteAsync(RelayInput<TRequest, TResponse>.FromMember(Number, _call.ResponseStream.Current), relayEnded);
            }
        }
        catch (OperationCanceledException) when (relayEnded.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e)
        {
            error = e;
        }

        try
        {
            await inbox.WriteAsync(RelayInput<TRequest, TResponse>.MemberEnded(Number, error), relayEnded);
        }
        catch (OperationCanceledException)
        {
            // The relay is over: nobody is waiting for this call's end.
        }
    }
}
