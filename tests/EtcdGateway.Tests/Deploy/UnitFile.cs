namespace EtcdGateway.Tests.Deploy;

/// <summary>A systemd unit file: [Section] headers, Key=Value lines, # and ; comments, backslash continuations.</summary>
internal sealed class UnitFile
{
    private readonly List<(string Section, string Key, string Value)> _entries = [];

    public static UnitFile Read(string path)
    {
        var unit = new UnitFile();
        var section = "";
        var text = File.ReadAllText(path).Replace("\\\n", " ", StringComparison.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[')
            {
                Assert.EndsWith("]", line, StringComparison.Ordinal);
                section = line[1..^1];
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            Assert.True(equals > 0, $"not a Key=Value line: {line}");
            Assert.NotEqual("", section);
            unit._entries.Add((section, line[..equals].Trim(), line[(equals + 1)..].Trim()));
        }

        return unit;
    }

    public IReadOnlyList<(string Key, string Value)> Section(string section) =>
        [.. _entries.Where(e => e.Section == section).Select(e => (e.Key, e.Value))];

    public IReadOnlyList<string> All(string section, string key) =>
        [.. _entries.Where(e => e.Section == section && e.Key == key).Select(e => e.Value)];

    public string Single(string section, string key)
    {
        var values = All(section, key);
        Assert.True(values.Count == 1, $"[{section}] {key}= appears {values.Count} times, expected once");
        return values[0];
    }
}
