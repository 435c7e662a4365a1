using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace EtcdGateway.Grpc.Registration;

/// <summary>
/// The value of a registration key: the JSON endpoint update etcd's naming packages write and read. etcd 3.5+'s
/// endpoints manager (<c>client/v3/naming/endpoints</c>, which its gRPC resolver and its proxy read) and 3.4's gRPC naming
/// resolver both marshal the same Go struct, so one form serves both:
/// <code>{"Op":0,"Addr":"10.0.0.7:23790","Metadata":"{\"name\":\"proxy-host\"}"}</code>
/// <c>Op</c> 0 is Add (a Delete removes the key instead of writing one); <c>Metadata</c> is what etcd's proxy puts there, its
/// own JSON <c>{"name":HOST}</c> as a string.
/// </summary>
internal static class NamingEndpointValue
{
    private const int AddOperation = 0;

    // Go escapes only what JSON requires (plus <, >, &, which no host name or address holds); the default encoder here
    // would also turn every quote of the nested metadata into \u0022.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Encode(string address, string name)
    {
        var metadata = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(metadata, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("name", name);
            writer.WriteEndObject();
        }

        var value = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(value, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteNumber("Op", AddOperation);
            writer.WriteString("Addr", address);
            writer.WriteString("Metadata", metadata.WrittenSpan);
            writer.WriteEndObject();
        }

        return value.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads a registration written by any etcd naming client. Field names match case-insensitively, as Go's decoder
    /// does. Values that are not an Add with an address are not registrations (etcd's manager skips them too). The name is
    /// read from metadata written as etcd's proxy writes it (a JSON string holding <c>{"name":...}</c>) or as an object
    /// with a name; any other metadata gives an empty name rather than failing the whole list, as etcd's proxy would.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> value, out string address, out string name)
    {
        address = "";
        name = "";
        try
        {
            var reader = new Utf8JsonReader(value);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            JsonElement? metadata = null;
            var operation = AddOperation;
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (string.Equals(property.Name, "Op", StringComparison.OrdinalIgnoreCase))
                {
                    operation = property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt32(out var op) ? op : -1;
                }
                else if (string.Equals(property.Name, "Addr", StringComparison.OrdinalIgnoreCase))
                {
                    address = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : "";
                }
                else if (string.Equals(property.Name, "Metadata", StringComparison.OrdinalIgnoreCase))
                {
                    metadata = property.Value.Clone();
                }
            }

            if (operation != AddOperation || address.Length == 0)
            {
                return false;
            }

            name = metadata is { } found ? NameFrom(found) : "";
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string NameFrom(JsonElement metadata)
    {
        if (metadata.ValueKind == JsonValueKind.String)
        {
            try
            {
                using var inner = JsonDocument.Parse(metadata.GetString()!);
                return NameFrom(inner.RootElement);
            }
            catch (JsonException)
            {
                return "";
            }
        }

        if (metadata.ValueKind != JsonValueKind.Object)
        {
            return "";
        }

        foreach (var property in metadata.EnumerateObject())
        {
            if (string.Equals(property.Name, "name", StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.String)
            {
                return property.Value.GetString()!;
            }
        }

        return "";
    }
}
