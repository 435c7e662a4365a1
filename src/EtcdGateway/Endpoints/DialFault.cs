namespace EtcdGateway.Endpoints;

/// <summary>Whose fault a failed dial was: the endpoint's (take it out of rotation) or this machine's (leave the endpoint alone).</summary>
internal enum DialFault
{
    /// <summary>Refused, unreachable or timed out: the endpoint is not answering.</summary>
    Endpoint,

    /// <summary>This process could not even open a socket (out of file descriptors, buffers or ephemeral ports).</summary>
    Local,
}
