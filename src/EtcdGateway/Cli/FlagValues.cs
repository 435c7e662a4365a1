using System.Globalization;
using EtcdGateway.Logging;

namespace EtcdGateway.Cli;

/// <summary>
/// Typed reads of one command's flags: the value given, else the default from its <see cref="FlagTable"/>. Every read
/// checks the value and throws a <see cref="UsageException"/> naming the flag and value when it is wrong.
/// </summary>
internal sealed class FlagValues(ParsedFlags flags, FlagTable table)
{
    /// <summary>The longest delay a .NET timer takes (2^32 - 2 ms, about 49.7 days); anything longer would fail at run time.</summary>
    public static readonly TimeSpan MaxTimerDuration = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    public ParsedFlags Flags => flags;

    public FlagTable Table => table;

    /// <summary>Whether the flag was given (on the command line or in the config file), whatever its value.</summary>
    public bool IsSet(string name) => flags.IsSet(name);

    /// <summary>The value given for a single-valued flag, else its default.</summary>
    public string Text(string name) => flags.Last(name) ?? table.DefaultOf(name);

    /// <summary>Every value given for a list flag, else its default split at commas; empty items dropped.</summary>
    public IReadOnlyList<string> List(string name) =>
        [.. (flags.IsSet(name) ? flags.All(name) : table.DefaultOf(name).Split(',')).Where(v => v.Length > 0)];

    public bool Bool(string name)
    {
        var text = Text(name);
        return FlagParser.TryParseBool(text, out var value) ? value : throw UsageException.InvalidValue(name, text, "expected true or false");
    }

    /// <summary>A whole number within [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public long Integer(string name, long min, long max)
    {
        var text = Text(name);
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw UsageException.InvalidValue(name, text, "expected a whole number");
        }

        if (value < min || value > max)
        {
            throw UsageException.InvalidValue(name, text, max == long.MaxValue ? $"must be at least {min}" : $"must be between {min} and {max}");
        }

        return value;
    }

    public int PositiveInt(string name)
    {
        var text = Text(name);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1)
        {
            throw UsageException.InvalidValue(name, text, "expected a whole number of at least 1");
        }

        return value;
    }

    /// <summary>The path given, which must name an existing file; null when the flag is unset or empty.</summary>
    public string? ExistingFile(string name)
    {
        var path = flags.Last(name);
        if (path is not { Length: > 0 })
        {
            return null;
        }

        return File.Exists(path) ? path : throw UsageException.InvalidValue(name, path, "no such file");
    }

    /// <summary>A Go duration (<c>300ms</c>, <c>1m0s</c>), never negative, zero only with <paramref name="allowZero"/>.</summary>
    public TimeSpan Duration(string name, bool allowZero)
    {
        var text = Text(name);
        if (!GoDuration.TryParse(text, out var value, out var error))
        {
            throw UsageException.InvalidValue(name, text, $"{error} (use Go syntax such as 300ms, 2s, 1m0s, 1.5h)");
        }

        if (value < TimeSpan.Zero || (!allowZero && value == TimeSpan.Zero))
        {
            throw UsageException.InvalidValue(name, text, allowZero ? "must not be negative" : "must be positive");
        }

        if (value > MaxTimerDuration)
        {
            throw UsageException.InvalidValue(name, text, $"too large (at most {GoDuration.Format(MaxTimerDuration)})");
        }

        return value;
    }
}
