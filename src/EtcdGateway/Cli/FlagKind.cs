namespace EtcdGateway.Cli;

/// <summary>How a flag's value is written on the command line.</summary>
internal enum FlagKind
{
    /// <summary>One value; the last occurrence wins.</summary>
    String,

    /// <summary>Comma-separated values; repeating the flag appends (like pflag's StringSlice).</summary>
    StringList,

    /// <summary><c>--flag</c> alone means true; <c>--flag=false</c> turns it off.</summary>
    Bool,

    /// <summary>A Go duration such as <c>1m0s</c>.</summary>
    Duration,

    /// <summary>A whole number.</summary>
    Int,
}
