using EtcdGateway.Endpoints;
using EtcdGateway.Logging;

namespace EtcdGateway.Balancing;

/// <summary>
/// Which endpoint one client connection dials next: the pick policy's choice among the endpoints in rotation that it has
/// not tried yet. A failed dial takes the endpoint out of rotation. When nothing in rotation is left, one
/// out-of-rotation endpoint is dialed as a last resort (the pick policy spreads these over clients), so a member back
/// before its retry tick is found by the next client, at a cost of at most one dial timeout.
/// </summary>
internal sealed class BackendSelection(EndpointPicker picker)
{
    private List<Endpoint>? _tried;
    private bool _lastResortUsed;
    private bool _dialingLastResort;

    /// <summary>
    /// The endpoint to dial next, or null when none is left: then <paramref name="noneLeft"/> is logged as a warning, with
    /// <paramref name="client"/> naming the client (the L4 relay closes the connection; the L7 proxy fails the call), at
    /// most once per few seconds: <c>suppressed</c> counts the clients turned away in between without a line.
    /// </summary>
    public Endpoint? Next(Func<string?> client, string noneLeft = "no endpoint available; closing client connection")
    {
        var snapshot = picker.Registry.Current;
        var candidates = _tried is null ? snapshot.Routable : Untried(snapshot.Routable, _tried);
        _dialingLastResort = candidates.Count == 0;
        if (_dialingLastResort)
        {
            candidates = _lastResortUsed ? [] : Untried(snapshot.Unavailable.Except(snapshot.Routable).ToList(), _tried ?? []);
            if (candidates.Count == 0)
            {
                if (picker.NoneLeftWarnings.ShouldLog(out var suppressed))
                {
                    picker.Logger.Warn(noneLeft, [
                        new("client", client()), new("tried", _tried?.Count ?? 0), new("suppressed", suppressed)]);
                }

                return null;
            }

            _lastResortUsed = true;
        }

        return picker.Policy.Pick(candidates);
    }

    /// <summary>The dial to <paramref name="endpoint"/> worked; a last-resort endpoint goes back into rotation.</summary>
    public void Succeeded(Endpoint endpoint)
    {
        if (_dialingLastResort && picker.Registry.MarkAvailable(endpoint))
        {
            picker.Logger.Info("activated", [new("address", endpoint.Name)]);
        }
    }

    /// <summary>
    /// The dial failed. Returns false when the fault is ours (say, out of fds): that says nothing about the endpoint, which
    /// stays in rotation, and the client is closed. Otherwise the endpoint leaves rotation and the caller tries the next.
    /// </summary>
    public bool Failed(Endpoint endpoint, DialException e)
    {
        if (e.Fault == DialFault.Local)
        {
            picker.Logger.Warn("cannot open a connection to an endpoint; closing client connection", [
                new("address", endpoint.Name), LogField.Error(e)]);
            return false;
        }

        endpoint.Stats.DialFailed();
        if (picker.Registry.MarkUnavailable(endpoint, e.Message))
        {
            picker.Logger.Warn("deactivated endpoint", [
                new("address", endpoint.Name), new("interval", picker.RetryDelay), LogField.Error(e)]);
        }

        (_tried ??= []).Add(endpoint);
        return true;
    }

    /// <summary>
    /// The endpoint was reached but the attempt failed in a way that says nothing certain about it (an L7 call that may be
    /// repeated elsewhere): the next pick avoids it, and it stays in rotation for others; health decides about it.
    /// </summary>
    public void Skip(Endpoint endpoint) => (_tried ??= []).Add(endpoint);

    private static List<Endpoint> Untried(IReadOnlyList<Endpoint> endpoints, List<Endpoint> tried) =>
        [.. endpoints.Where(e => !tried.Contains(e))];
}
