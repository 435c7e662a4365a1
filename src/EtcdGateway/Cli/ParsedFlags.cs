namespace EtcdGateway.Cli;

/// <summary>The raw values given for each flag, in command-line order, before they are validated.</summary>
internal sealed class ParsedFlags
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    public bool HelpRequested { get; set; }

    public bool IsSet(string name) => _values.ContainsKey(name);

    /// <summary>The last value given for a single-valued flag, or null when the flag was not given.</summary>
    public string? Last(string name) => _values.TryGetValue(name, out var list) ? list[^1] : null;

    /// <summary>Every value given for a list flag, commas already split.</summary>
    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var list) ? list : [];

    /// <summary>These flags with <paramref name="top"/>'s on top: a flag given in <paramref name="top"/> replaces all of ours.</summary>
    public ParsedFlags Overlay(ParsedFlags top)
    {
        var merged = new ParsedFlags { HelpRequested = HelpRequested || top.HelpRequested };
        foreach (var (name, values) in _values.Where(v => !top.IsSet(v.Key)).Concat(top._values))
        {
            values.ForEach(v => merged.Add(name, v));
        }

        return merged;
    }

    public void Add(string name, string value)
    {
        if (!_values.TryGetValue(name, out var list))
        {
            list = [];
            _values[name] = list;
        }

        list.Add(value);
    }
}
