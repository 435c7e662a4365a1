using System.Text.Json;
using System.Text.RegularExpressions;

namespace EtcdGateway.Tests.Deploy;

/// <summary>A Dockerfile: instructions with their arguments, comment lines dropped and continuations joined.</summary>
internal sealed class Dockerfile
{
    private readonly List<(string Instruction, string Arguments)> _instructions = [];

    public static Dockerfile Read(string path)
    {
        var dockerfile = new Dockerfile();
        var lines = File.ReadAllLines(path).Where(l => !l.TrimStart().StartsWith('#'));
        var text = string.Join('\n', lines).Replace("\\\n", " ", StringComparison.Ordinal);
        foreach (var line in text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            Assert.True(space > 0, $"not an instruction: {line}");
            dockerfile._instructions.Add((line[..space].ToUpperInvariant(), Regex.Replace(line[(space + 1)..].Trim(), @"\s+", " ")));
        }

        return dockerfile;
    }

    public IReadOnlyList<string> Arguments(string instruction) =>
        [.. _instructions.Where(i => i.Instruction == instruction).Select(i => i.Arguments)];

    /// <summary>The exec (JSON array) form of ENTRYPOINT or CMD; the last one counts, as in Docker.</summary>
    public string[] Exec(string instruction)
    {
        var json = Arguments(instruction)[^1];
        Assert.StartsWith("[", json, StringComparison.Ordinal);
        return JsonSerializer.Deserialize<string[]>(json) ?? [];
    }
}
