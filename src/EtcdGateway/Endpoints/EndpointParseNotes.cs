namespace EtcdGateway.Endpoints;

/// <summary>What parsing an endpoint assumed or removed, so the caller can log it.</summary>
[Flags]
internal enum EndpointParseNotes
{
    None = 0,

    /// <summary>No port was given; etcd's client port 2379 was used.</summary>
    DefaultPortAssumed = 1,

    /// <summary>An <c>http://</c> or <c>https://</c> prefix was removed (TLS passes through; it is not terminated).</summary>
    SchemeStripped = 2,

    /// <summary>The scheme was <c>https://</c>: the member speaks TLS.</summary>
    Https = 4,
}
