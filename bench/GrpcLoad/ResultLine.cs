using System.Globalization;
using System.Text;

namespace GrpcLoad;

/// <summary>Builds the one JSON line a run prints: flat names, numbers (NaN as null) and strings.</summary>
internal sealed class ResultLine
{
    private readonly StringBuilder _text = new("{");

    public ResultLine(string mode) => Add("mode", mode);

    public ResultLine Add(string name, double value)
    {
        Name(name).Append(double.IsFinite(value) ? value.ToString("0.######", CultureInfo.InvariantCulture) : "null");
        return this;
    }

    public ResultLine Add(string name, string value)
    {
        Name(name).Append('"').Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
        return this;
    }

    private StringBuilder Name(string name) => _text.Append(_text.Length > 1 ? ", " : "").Append('"').Append(name).Append("\": ");

    public override string ToString() => _text.ToString() + "}";
}
