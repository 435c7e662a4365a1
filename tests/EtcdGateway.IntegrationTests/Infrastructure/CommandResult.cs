namespace EtcdGateway.IntegrationTests.Infrastructure;

/// <summary>The outcome of running an external command, printable in full inside assertion messages.</summary>
public sealed record CommandResult(int ExitCode, string StdOut, string StdErr)
{
    public bool Succeeded => ExitCode == 0;

    public override string ToString() =>
        $"exit code {ExitCode}{Environment.NewLine}--- stdout ---{Environment.NewLine}{StdOut}{Environment.NewLine}--- stderr ---{Environment.NewLine}{StdErr}";
}
