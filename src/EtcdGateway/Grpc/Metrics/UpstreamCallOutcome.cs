using Grpc.Core;

namespace EtcdGateway.Grpc.Metrics;

/// <summary>How one streaming call to a member ended, counted once whichever way is seen first: its end read, an error, or the caller letting go of it.</summary>
internal sealed class UpstreamCallOutcome(EndpointCallCounters counters)
{
    private int _ended;

    public void Ended(StatusCode code)
    {
        if (Interlocked.Exchange(ref _ended, 1) == 0)
        {
            counters.CallEnded(code);
        }
    }

    /// <summary>Disposed before its end was read: the client went away (or the proxy moved it), which the member sees as a cancel.</summary>
    public void Abandoned() => Ended(StatusCode.Cancelled);
}
