using EtcdGateway.Balancing;
using EtcdGateway.Endpoints;
using Grpc.Core;

namespace EtcdGateway.Grpc.Upstream;

/// <summary>
/// The members one call tries, in turn: the pick policy's choice among those in rotation it has not tried, and what each
/// failure means (<see cref="RetryRules"/>): a member that refused the connection leaves rotation and the next is tried
/// at once; a repeatable call that failed with Unavailable is tried on the next member; anything else goes back to the
/// client unchanged, with the member's own status, message and trailers.
/// </summary>
internal sealed class CallAttempts(EndpointPicker picker, string method, TrackedCall call)
{
    private const string NoneLeft = "no member available; failing the call";

    private readonly BackendSelection _selection = picker.NewSelection();
    private RpcException? _last;

    /// <summary>The member for the next attempt; throws (the last member's error, or Unavailable) when none is left.</summary>
    public Endpoint Next()
    {
        var endpoint = _selection.Next(() => method, NoneLeft)
            ?? throw _last ?? new RpcException(new Status(StatusCode.Unavailable, "etcd-gateway: no cluster member available"));
        call.Endpoint = endpoint;
        return endpoint;
    }

    /// <summary>The attempt on <paramref name="endpoint"/> got an answer.</summary>
    public void Succeeded(Endpoint endpoint) => _selection.Succeeded(endpoint);

    /// <summary>
    /// What to do after an attempt on <paramref name="endpoint"/> failed: null to try the next member, or the error to give
    /// the client. <paramref name="mayRepeat"/> says whether the call may be repeated if it did reach the member.
    /// </summary>
    public RpcException? AfterFailure(Endpoint endpoint, RpcException error, bool mayRepeat)
    {
        if (call.WasAborted)
        {
            return call.AbortedError();
        }

        if (RetryRules.NeverReached(error) is { } dial)
        {
            // False: the fault is this machine's (out of descriptors); the member is fine and another would fail alike.
            if (!_selection.Failed(endpoint, dial))
            {
                return error;
            }

            _last = error;
            return null;
        }

        if (mayRepeat && error.StatusCode == StatusCode.Unavailable && !call.Token.IsCancellationRequested)
        {
            _selection.Skip(endpoint);
            _last = error;
            return null;
        }

        return error;
    }

    /// <summary>The attempt on <paramref name="endpoint"/> was ended because the member left rotation; the next one is tried.</summary>
    public void Moved(Endpoint endpoint) => _selection.Skip(endpoint);

    /// <summary>The error to give the client for a failure that is not retried (a stream already under way).</summary>
    public RpcException Final(RpcException error) => call.WasAborted ? call.AbortedError() : error;
}
