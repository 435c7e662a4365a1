using System.Globalization;
using System.Text;

namespace EtcdGateway.Logging;

/// <summary>Parses and prints durations in Go's syntax (<c>300ms</c>, <c>1.5h</c>, <c>2h45m</c>, <c>1m0s</c>), as etcd's flags take them.</summary>
internal static class GoDuration
{
    // Go's units in nanoseconds. A TimeSpan tick is 100 ns, so everything is converted through nanoseconds.
    private static readonly (string Unit, decimal Nanoseconds)[] Units =
    [
        ("ns", 1m),
        ("us", 1_000m),
        ("µs", 1_000m),
        ("μs", 1_000m),
        ("ms", 1_000_000m),
        ("s", 1_000_000_000m),
        ("m", 60_000_000_000m),
        ("h", 3_600_000_000_000m),
    ];

    /// <summary>Go's largest duration, in nanoseconds (int64): 2562047h47m16.854775807s.</summary>
    private const decimal MaxNanoseconds = long.MaxValue;

    /// <summary>Parses like Go's <c>time.ParseDuration</c>; returns false with a reason on bad input.</summary>
    /// <remarks>TimeSpan counts 100 ns ticks, so a non-zero value below 100 ns rounds up to one tick rather than to zero.</remarks>
    public static bool TryParse(string text, out TimeSpan value, out string error)
    {
        value = TimeSpan.Zero;
        error = "";
        var s = text;
        var negative = s.Length > 0 && s[0] == '-';
        if (s.Length > 0 && (s[0] == '-' || s[0] == '+'))
        {
            s = s[1..];
        }

        // Go accepts a bare "0" (and "-0", "+0") but no other unitless number.
        if (s == "0")
        {
            return true;
        }

        if (s.Length == 0)
        {
            error = "invalid duration";
            return false;
        }

        decimal totalNs = 0;
        var i = 0;
        while (i < s.Length)
        {
            if (!TryReadTerm(s, ref i, out var termNs, out error))
            {
                return false;
            }

            totalNs += termNs;
            if (totalNs > MaxNanoseconds)
            {
                error = "duration out of range";
                return false;
            }
        }

        value = TimeSpan.FromTicks((long)decimal.Ceiling(totalNs / 100m));
        if (negative)
        {
            value = -value;
        }

        return true;
    }

    /// <summary>Reads one number-and-unit term ("1.5h") starting at <paramref name="i"/>, in nanoseconds.</summary>
    private static bool TryReadTerm(string s, ref int i, out decimal nanoseconds, out string error)
    {
        nanoseconds = 0;
        error = "";
        var numberStart = i;
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
        {
            i++;
        }

        var number = s[numberStart..i];
        if (number.Length == 0 || number == "." || number.Count(c => c == '.') > 1
            || !decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            error = "invalid duration";
            return false;
        }

        var unitStart = i;
        while (i < s.Length && !char.IsAsciiDigit(s[i]) && s[i] != '.')
        {
            i++;
        }

        var unitText = s[unitStart..i];
        if (unitText.Length == 0)
        {
            error = "missing unit in duration";
            return false;
        }

        var unit = Array.FindIndex(Units, u => u.Unit == unitText);
        if (unit < 0)
        {
            error = $"unknown unit \"{unitText}\" in duration";
            return false;
        }

        if (amount > MaxNanoseconds / Units[unit].Nanoseconds)
        {
            error = "duration out of range";
            return false;
        }

        nanoseconds = amount * Units[unit].Nanoseconds;
        return true;
    }

    /// <summary>Formats like Go's <c>Duration.String()</c>: <c>1m0s</c>, <c>2s</c>, <c>300ms</c>, <c>1.5s</c>, <c>0s</c>.</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "0s";
        }

        var sb = new StringBuilder();
        if (value < TimeSpan.Zero)
        {
            sb.Append('-');
            value = value.Duration();
        }

        var ns = (decimal)value.Ticks * 100m;
        if (ns < 1_000_000_000m)
        {
            // Below one second Go picks the largest unit that keeps the integer part non-zero.
            var (unit, size) = ns >= 1_000_000m ? ("ms", 1_000_000m) : ns >= 1_000m ? ("µs", 1_000m) : ("ns", 1m);
            sb.Append(Trim(ns / size)).Append(unit);
            return sb.ToString();
        }

        var hours = decimal.Truncate(ns / 3_600_000_000_000m);
        ns -= hours * 3_600_000_000_000m;
        var minutes = decimal.Truncate(ns / 60_000_000_000m);
        ns -= minutes * 60_000_000_000m;
        if (hours > 0)
        {
            sb.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        }

        if (hours > 0 || minutes > 0)
        {
            sb.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        }

        sb.Append(Trim(ns / 1_000_000_000m)).Append('s');
        return sb.ToString();
    }

    private static string Trim(decimal value) =>
        value.ToString("0.#########", CultureInfo.InvariantCulture);
}
