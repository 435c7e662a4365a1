using YamlDotNet.RepresentationModel;

namespace EtcdGateway.Tests.Deploy;

/// <summary>Paths into YAML documents (Kubernetes manifests, config files) by mapping keys, failing loudly where the shape is wrong.</summary>
internal static class YamlNodes
{
    /// <summary>Every document of a multi-document file; each must be a mapping.</summary>
    public static IReadOnlyList<YamlMappingNode> ReadDocuments(string path)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            yaml.Load(reader);
        }

        var documents = yaml.Documents.Select(d => d.RootNode).ToList();
        Assert.All(documents, d => Assert.IsType<YamlMappingNode>(d));
        return [.. documents.Cast<YamlMappingNode>()];
    }

    public static YamlNode? At(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode mapping || !mapping.Children.TryGetValue(new YamlScalarNode(key), out var next))
            {
                return null;
            }

            node = next;
        }

        return node;
    }

    public static string? Scalar(YamlNode node, params string[] path) => (At(node, path) as YamlScalarNode)?.Value;

    public static YamlMappingNode Mapping(YamlNode node, params string[] path) =>
        At(node, path) as YamlMappingNode ?? throw new InvalidOperationException($"{string.Join('.', path)} is not a mapping");

    public static YamlSequenceNode Sequence(YamlNode node, params string[] path) =>
        At(node, path) as YamlSequenceNode ?? throw new InvalidOperationException($"{string.Join('.', path)} is not a list");
}
