namespace EtcdGateway.Cli;

/// <summary>Bad input from the user: printed as one line on stderr and exits with code 2 before anything starts.</summary>
internal sealed class UsageException : Exception
{
    /// <summary>The exit code of bad input, as with Go's flag package: nothing was started.</summary>
    public const int ExitCode = 2;

    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException()
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The flag whose value was wrong, when the error is about one.</summary>
    public string? Flag { get; private init; }

    /// <summary>The value that was wrong, with <see cref="Flag"/>.</summary>
    public string? Value { get; private init; }

    /// <summary>What was wrong with the value, with <see cref="Flag"/>.</summary>
    public string? Reason { get; private init; }

    /// <summary>The flag's value is fine but what it asks for is not built yet (or cannot be, <see cref="NotSupported"/>).</summary>
    public bool IsNotSupportedYet { get; private init; }

    /// <summary>The standard wording for a flag whose value is wrong: it names the flag and the value.</summary>
    public static UsageException InvalidValue(string flag, string value, string reason) =>
        new($"invalid value \"{value}\" for flag --{flag}: {reason}") { Flag = flag, Value = value, Reason = reason };

    /// <summary>
    /// A flag that is accepted and checked but whose behaviour does not exist yet: refused at start rather than
    /// silently ignored, so nobody believes they got what they asked for.
    /// </summary>
    public static UsageException NotSupportedYet(string flag, string value, string command) =>
        new($"flag --{flag}=\"{value}\" is not supported yet by \"{command}\"") { Flag = flag, Value = value, Reason = $"not supported yet by \"{command}\"", IsNotSupportedYet = true };

    /// <summary>A flag value asking for what cannot be built on this stack: refused, saying why.</summary>
    public static UsageException NotSupported(string flag, string value, string why) =>
        new($"flag --{flag}=\"{value}\" is not supported: {why}") { Flag = flag, Value = value, Reason = $"not supported: {why}", IsNotSupportedYet = true };
}
