namespace EtcdGateway.Cli;

/// <summary>
/// The options in force, swapped whole on reload: a reader takes <see cref="Options"/> once and sees one consistent
/// version. Only settings live here; the parts built from them (pick policy, probes) are rebuilt by their owners.
/// </summary>
internal sealed class LiveSettings(GatewayOptions options)
{
    private GatewayOptions _options = options;

    public GatewayOptions Options
    {
        get => Volatile.Read(ref _options);
        set => Volatile.Write(ref _options, value);
    }
}
