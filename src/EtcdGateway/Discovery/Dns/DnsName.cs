namespace EtcdGateway.Discovery.Dns;

/// <summary>
/// Domain names as text. Inside the resolver a name carries no trailing dot (the root is ""), and names compare without
/// regard to ASCII case (RFC 4343). Label bytes that are not printable ASCII, a dot or a backslash read as <c>\DDD</c>.
/// </summary>
internal static class DnsName
{
    /// <summary>The longest name on the wire, length bytes and the final zero included (RFC 1035 section 2.3.4).</summary>
    public const int MaxEncodedLength = 255;

    public const int MaxLabelLength = 63;

    /// <summary>A name ending in a dot is fully qualified: the search list does not apply to it.</summary>
    public static bool IsAbsolute(string name) => name.EndsWith('.');

    /// <summary>The name without its trailing dot, if it has one.</summary>
    public static string Normalize(string name) => IsAbsolute(name) ? name[..^1] : name;

    public static bool AreEqual(string left, string right) =>
        string.Equals(Normalize(left), Normalize(right), StringComparison.OrdinalIgnoreCase);

    /// <summary>The dots between labels, as glibc counts them against <c>ndots</c> (a trailing dot does not count).</summary>
    public static int CountDots(string name) => Normalize(name).Count(c => c == '.');

    /// <summary>
    /// Whether the name can be put in a query as written: labels of 1 to 63 printable ASCII characters, 255 bytes in all.
    /// Escapes are not read, so a backslash is refused rather than sent as something the user did not mean.
    /// </summary>
    public static bool TryValidate(string name, out string error)
    {
        var relative = Normalize(name);
        error = "";
        if (relative.Length == 0)
        {
            error = "empty name";
        }
        else if (relative.Length + 2 > MaxEncodedLength)
        {
            error = $"name is longer than {MaxEncodedLength} bytes";
        }
        else if (relative.Split('.').FirstOrDefault(label => label.Length is 0 or > MaxLabelLength) is { } badLabel)
        {
            error = badLabel.Length == 0 ? "empty label" : $"label \"{badLabel}\" is longer than {MaxLabelLength} bytes";
        }
        else if (relative.Where(c => c is < '!' or > '~' or '\\').Select(c => (int?)c).FirstOrDefault() is { } badCharacter)
        {
            error = $"character U+{badCharacter:X4} is not allowed in a name";
        }

        return error.Length == 0;
    }
}
