using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EtcdGateway.Cli;

/// <summary>
/// Reads <c>--config-file</c>: a YAML mapping whose keys are the flag names without dashes, and whose values are what the
/// flag would take (a list for <c>endpoints</c>, or one comma-separated string). Uses YamlDotNet's node model only, no
/// reflection, so it survives trimming.
/// </summary>
internal static class ConfigFileReader
{
    /// <exception cref="UsageException">The file cannot be read, is not YAML, or has an unknown key or a value of the wrong shape.</exception>
    public static ParsedFlags Read(string path, IReadOnlyList<FlagDefinition> definitions)
    {
        YamlStream yaml;
        try
        {
            using var reader = new StreamReader(path);
            yaml = new YamlStream();
            yaml.Load(reader);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Invalid(path, e.Message);
        }
        catch (YamlException e)
        {
            throw Invalid(path, $"line {e.Start.Line}: {FirstLine(e.Message)}");
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's loader throws this for some truncated documents instead of a YamlException.
            throw Invalid(path, "not valid YAML (an unfinished list or mapping?)");
        }

        var flags = new ParsedFlags();
        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            return flags;
        }

        if (yaml.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw Invalid(path, "expected a mapping of flag names to values");
        }

        foreach (var (keyNode, valueNode) in root.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            var definition = definitions.FirstOrDefault(d => d.Name == key);
            if (definition is null || key == GatewayFlags.ConfigFile)
            {
                throw Invalid(path, $"line {keyNode.Start.Line}: unknown key \"{key}\"");
            }

            foreach (var value in Values(valueNode, definition, path))
            {
                flags.Add(key, value);
            }
        }

        return flags;
    }

    private static IEnumerable<string> Values(YamlNode node, FlagDefinition definition, string path)
    {
        switch (node)
        {
            case YamlScalarNode scalar when definition.Kind == FlagKind.StringList:
                return (scalar.Value ?? "").Split(',').Select(v => v.Trim());
            case YamlScalarNode scalar:
                var text = scalar.Value ?? "";
                if (definition.Kind == FlagKind.Bool && !FlagParser.TryParseBool(text, out _))
                {
                    throw Invalid(path, $"{definition.Name}: invalid value \"{text}\": expected true or false");
                }

                return [text];
            case YamlSequenceNode sequence when definition.Kind == FlagKind.StringList && sequence.Children.All(c => c is YamlScalarNode):
                return sequence.Children.Select(c => ((YamlScalarNode)c).Value ?? "");
            default:
                throw Invalid(path, $"line {node.Start.Line}: \"{definition.Name}\" takes {(definition.Kind == FlagKind.StringList ? "a list or a string" : "a single value")}");
        }
    }

    private static UsageException Invalid(string path, string reason) => UsageException.InvalidValue(GatewayFlags.ConfigFile, path, reason);

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
