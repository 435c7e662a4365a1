namespace EtcdGateway.Cli;

/// <summary>Reads flags the way etcd's (pflag) command line does: <c>--flag=value</c>, <c>--flag value</c>, bare booleans, repeatable lists.</summary>
internal static class FlagParser
{
    public static ParsedFlags Parse(IReadOnlyList<string> args, IReadOnlyList<FlagDefinition> definitions)
    {
        var parsed = new ParsedFlags();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help" or "-help")
            {
                parsed.HelpRequested = true;
                continue;
            }

            if (arg == "--")
            {
                if (i + 1 < args.Count)
                {
                    throw new UsageException($"unexpected argument \"{args[i + 1]}\"");
                }

                break;
            }

            if (!arg.StartsWith('-') || arg == "-")
            {
                throw new UsageException($"unexpected argument \"{arg}\"");
            }

            // etcd's gateway command (pflag) wants two dashes; etcd's main command (Go's flag package) takes one too, and
            // people mix them up, so both are accepted here.
            var body = arg.StartsWith("--", StringComparison.Ordinal) ? arg[2..] : arg[1..];
            var equals = body.IndexOf('=', StringComparison.Ordinal);
            var name = equals >= 0 ? body[..equals] : body;
            string? inlineValue = equals >= 0 ? body[(equals + 1)..] : null;

            var definition = definitions.FirstOrDefault(d => d.Name == name)
                ?? throw new UsageException($"unknown flag: --{name}");

            var value = ReadValue(definition, inlineValue, args, ref i);
            if (definition.Kind == FlagKind.StringList)
            {
                foreach (var item in value.Split(','))
                {
                    parsed.Add(name, item.Trim());
                }
            }
            else
            {
                parsed.Add(name, value);
            }
        }

        return parsed;
    }

    /// <summary>The flag's value: inline after '=', else the next argument; a bare boolean means true.</summary>
    private static string ReadValue(FlagDefinition definition, string? inlineValue, IReadOnlyList<string> args, ref int i)
    {
        if (definition.Kind == FlagKind.Bool)
        {
            var value = inlineValue ?? "true";
            return TryParseBool(value, out _) ? value : throw UsageException.InvalidValue(definition.Name, value, "expected true or false");
        }

        if (inlineValue is not null)
        {
            return inlineValue;
        }

        return i + 1 < args.Count ? args[++i] : throw new UsageException($"flag needs an argument: --{definition.Name}");
    }

    /// <summary>Go's <c>strconv.ParseBool</c> spellings.</summary>
    public static bool TryParseBool(string text, out bool value)
    {
        switch (text)
        {
            case "1" or "t" or "T" or "true" or "TRUE" or "True":
                value = true;
                return true;
            case "0" or "f" or "F" or "false" or "FALSE" or "False":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }
}
