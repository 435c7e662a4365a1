using System.Reflection;
using System.Reflection.Emit;

namespace EtcdGateway.Tests.Architecture;

/// <summary>
/// The folder rules of src/EtcdGateway, read from the compiled product (signatures, base types and every type, method
/// and field a method body names), so no reference can hide in a fully qualified name: arrows go from a mode (Relay,
/// Grpc) to the shared parts, never back, and no folder depends on itself through others.
/// </summary>
public class FolderDependencyTests
{
    private static readonly string[] Modes = ["Relay", "Grpc"];

    private static readonly Lazy<Dictionary<string, HashSet<string>>> Graph = new(() => FolderGraph.Of(typeof(EtcdGateway.Cli.GatewayOptions).Assembly));

    [Fact]
    public void The_Graph_Is_Read_From_The_Code()
    {
        // Known arrows: if these are not seen, the reader is broken and the rules below would pass for nothing.
        Assert.Contains("Endpoints", Graph.Value["Relay"]);
        Assert.Contains("Linux", Graph.Value["Relay"]);
        Assert.Contains("Endpoints", Graph.Value["Health"]);
        Assert.Contains("Health", Graph.Value["Hosting"]);
    }

    [Fact]
    public void Shared_Folders_Never_Import_A_Mode()
    {
        var offending = Graph.Value
            .Where(f => !Modes.Contains(f.Key))
            .SelectMany(f => f.Value.Where(Modes.Contains).Select(m => $"{f.Key} -> {m}"))
            .ToList();
        Assert.True(offending.Count == 0, "shared folders that use a mode: " + string.Join(", ", offending));
    }

    [Fact]
    public void No_Folder_Depends_On_Itself_Through_Others()
    {
        var cycle = FolderGraph.FindCycle(Graph.Value);
        Assert.True(cycle is null, "folder cycle: " + string.Join(" -> ", cycle ?? []));
    }

    [Fact]
    public void FindCycle_Finds_A_Cycle_And_Only_A_Cycle()
    {
        var acyclic = new Dictionary<string, HashSet<string>> { ["A"] = ["B"], ["B"] = ["C"], ["C"] = [] };
        var cyclic = new Dictionary<string, HashSet<string>> { ["A"] = ["B"], ["B"] = ["C"], ["C"] = ["A"] };
        Assert.Null(FolderGraph.FindCycle(acyclic));
        Assert.Equal(["A", "B", "C", "A"], FolderGraph.FindCycle(cyclic));
    }

    /// <summary>Which folder uses which, from the assembly's types; the folder is the namespace's first part after the root.</summary>
    private static class FolderGraph
    {
        private const string Root = "EtcdGateway.";

        private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (OpCode)f.GetValue(null)!)
            .ToDictionary(o => o.Value);

        public static Dictionary<string, HashSet<string>> Of(Assembly assembly)
        {
            var graph = new Dictionary<string, HashSet<string>>();
            foreach (var type in assembly.GetTypes())
            {
                if (FolderOf(type) is not { } from)
                {
                    continue;
                }

                var uses = graph.TryGetValue(from, out var set) ? set : graph[from] = [];
                foreach (var used in TypesUsedBy(type))
                {
                    if (FolderOf(used) is { } to && to != from)
                    {
                        uses.Add(to);
                    }
                }
            }

            return graph;
        }

        public static List<string>? FindCycle(Dictionary<string, HashSet<string>> graph)
        {
            var state = new Dictionary<string, int>();
            var path = new List<string>();

            List<string>? Visit(string node)
            {
                state[node] = 1;
                path.Add(node);
                foreach (var next in graph.GetValueOrDefault(node) ?? [])
                {
                    if (state.GetValueOrDefault(next) == 1)
                    {
                        return [.. path.Skip(path.IndexOf(next)), next];
                    }

                    if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } found)
                    {
                        return found;
                    }
                }

                path.RemoveAt(path.Count - 1);
                state[node] = 2;
                return null;
            }

            foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
            {
                if (state.GetValueOrDefault(node) == 0 && Visit(node) is { } cycle)
                {
                    return cycle;
                }
            }

            return null;
        }

        private static string? FolderOf(Type type)
        {
            while (type.IsArray || type.IsByRef || type.IsPointer)
            {
                type = type.GetElementType()!;
            }

            var ns = type.Namespace;
            if (ns is null || !ns.StartsWith(Root, StringComparison.Ordinal) || type.Assembly != typeof(EtcdGateway.Cli.GatewayOptions).Assembly)
            {
                return null;
            }

            var rest = ns[Root.Length..];
            var dot = rest.IndexOf('.', StringComparison.Ordinal);
            return dot < 0 ? rest : rest[..dot];
        }

        private static List<Type> TypesUsedBy(Type type)
        {
            const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            var found = new List<Type>();
            void Add(Type? t)
            {
                if (t is null)
                {
                    return;
                }

                found.Add(t);
                if (t.IsGenericType)
                {
                    found.AddRange(t.GetGenericArguments());
                }
            }

            Add(type.BaseType);
            type.GetInterfaces().ToList().ForEach(Add);
            foreach (var field in type.GetFields(All))
            {
                Add(field.FieldType);
            }

            foreach (var method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
            {
                if (method is MethodInfo info)
                {
                    Add(info.ReturnType);
                }

                method.GetParameters().ToList().ForEach(p => Add(p.ParameterType));
                foreach (var member in MembersNamedIn(method))
                {
                    Add(member as Type ?? member.DeclaringType);
                    switch (member)
                    {
                        case FieldInfo f:
                            Add(f.FieldType);
                            break;
                        case MethodInfo m:
                            Add(m.ReturnType);
                            break;
                    }
                }
            }

            return found;
        }

        /// <summary>Every type, method and field token in the method's IL.</summary>
        private static IEnumerable<MemberInfo> MembersNamedIn(MethodBase method)
        {
            var il = method.GetMethodBody()?.GetILAsByteArray();
            if (il is null)
            {
                yield break;
            }

            var typeArgs = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
            var methodArgs = method.IsGenericMethod ? method.GetGenericArguments() : null;
            var i = 0;
            while (i < il.Length)
            {
                var value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
                var opCode = OpCodesByValue[value];
                i += opCode.Size;
                switch (opCode.OperandType)
                {
                    case OperandType.InlineType or OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineTok:
                        var token = BitConverter.ToInt32(il, i);
                        MemberInfo? member = null;
                        try
                        {
                            member = method.Module.ResolveMember(token, typeArgs, methodArgs);
                        }
                        catch (ArgumentException)
                        {
                        }

                        if (member is not null)
                        {
                            yield return member;
                        }

                        i += 4;
                        break;
                    case OperandType.InlineSwitch:
                        i += 4 + (4 * BitConverter.ToInt32(il, i));
                        break;
                    case OperandType.InlineI8 or OperandType.InlineR:
                        i += 8;
                        break;
                    case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                        i += 1;
                        break;
                    case OperandType.InlineVar:
                        i += 2;
                        break;
                    case OperandType.InlineNone:
                        break;
                    default:
                        i += 4;
                        break;
                }
            }
        }
    }
}
