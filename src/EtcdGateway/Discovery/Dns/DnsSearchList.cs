namespace EtcdGateway.Discovery.Dns;

/// <summary>The names a lookup tries, in the order glibc's res_nsearch tries them.</summary>
internal static class DnsSearchList
{
    /// <summary>
    /// A name ending in a dot is tried only as written. Otherwise a name with at least <paramref name="ndots"/> dots is
    /// tried as written first and then with each search suffix; a name with fewer dots gets the suffixes first and is tried
    /// as written last. Suffixed names too long to query are left out. Candidates carry no trailing dot.
    /// </summary>
    public static IReadOnlyList<string> Candidates(string name, IReadOnlyList<string> search, int ndots)
    {
        var asWritten = DnsName.Normalize(name);
        if (DnsName.IsAbsolute(name))
        {
            return [asWritten];
        }

        var suffixed = search.Select(suffix => $"{asWritten}.{suffix}").Where(candidate => DnsName.TryValidate(candidate, out _));
        return DnsName.CountDots(name) >= ndots ? [asWritten, .. suffixed] : [.. suffixed, asWritten];
    }
}
