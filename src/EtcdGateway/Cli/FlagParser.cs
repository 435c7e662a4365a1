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

            // Go's flag package accepts one dash as well as two; etcd's own docs use both.
            var body = arg.StartsWith("--", StringComparison.Ordinal) ? arg[2..] : arg[1..];
            var equals = body.IndexOf('=', StringComparison.Ordinal);
            var name = equals >= 0 ? body[..equals] : body;
            string? inlineValue = equals >= 0 ? body[(equals + 1)..] : null;

            var definition = definitions.FirstOrDefault(d => d.Name == name)
                ?? throw new UsageException($"unknown flag: --{name}");

            string value;
            if (definition.Kind == FlagKind.Bool)
            {
                value = inlineValue ?? "true";
                if (!TryParseBool(value, out _))
                {
                    throw UsageException.InvalidValue(name, value, "expected true or false");
                }
            }
            else if (inlineValue is not null)
            {
                value = inlineValue;
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                throw new UsageException($"flag needs an argument: --{name}");
            }

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
