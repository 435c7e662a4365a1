namespace EtcdGateway.Relay;

/// <summary>Tiers of accept failures: carry on, back off, or stop.</summary>
internal enum AcceptErrorKind
{
    /// <summary>One connection failed before it was accepted; accept the next at once.</summary>
    Transient,

    /// <summary>Out of fds or buffers, or an error not known to be harmless: wait (100 ms doubling to 5 s) and try again; never exit.</summary>
    ResourcePressure,

    /// <summary>The listening socket itself is broken: log and exit non-zero.</summary>
    Fatal,
}
