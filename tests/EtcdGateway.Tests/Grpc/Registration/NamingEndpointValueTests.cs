using System.Text;
using EtcdGateway.Grpc.Registration;

namespace EtcdGateway.Tests.Grpc.Registration;

/// <summary>The registration value: byte for byte what etcd's proxy writes, and read back from what any etcd naming client writes.</summary>
public sealed class NamingEndpointValueTests
{
    [Fact]
    public void Encode_WritesEtcdsEndpointUpdate_WithTheNameAsNestedJsonString()
    {
        var value = Encoding.UTF8.GetString(NamingEndpointValue.Encode("127.0.0.1:23790", "proxy-host"));

        // What etcd 3.4's proxy wrote on this machine (etcdctl get --prefix P -w json, value base64-decoded), and what
        // 3.5+'s endpoints manager writes: the same Go struct, fields in declaration order.
        Assert.Equal("""{"Op":0,"Addr":"127.0.0.1:23790","Metadata":"{\"name\":\"proxy-host\"}"}""", value);
    }

    [Fact]
    public void Encode_ThenDecode_GivesAddressAndName()
    {
        Assert.True(NamingEndpointValue.TryDecode(NamingEndpointValue.Encode("https://proxy.example:443", "node-7"), out var address, out var name));
        Assert.Equal(("https://proxy.example:443", "node-7"), (address, name));
    }

    [Theory]
    [InlineData("""{"Op":0,"Addr":"10.0.0.1:2379","Metadata":{"name":"as-object"}}""", "10.0.0.1:2379", "as-object")]
    [InlineData("""{"op":0,"addr":"10.0.0.1:2379","metadata":"{\"name\":\"lower-case-fields\"}"}""", "10.0.0.1:2379", "lower-case-fields")]
    [InlineData("""{"Addr":"10.0.0.1:2379"}""", "10.0.0.1:2379", "")]
    [InlineData("""{"Op":0,"Addr":"10.0.0.1:2379","Metadata":null}""", "10.0.0.1:2379", "")]
    [InlineData("""{"Op":0,"Addr":"10.0.0.1:2379","Metadata":"not json"}""", "10.0.0.1:2379", "")]
    [InlineData("""{"Op":0,"Addr":"10.0.0.1:2379","Metadata":42}""", "10.0.0.1:2379", "")]
    public void Decode_AcceptsWhatOtherNamingClientsWrite(string value, string expectedAddress, string expectedName)
    {
        Assert.True(NamingEndpointValue.TryDecode(Encoding.UTF8.GetBytes(value), out var address, out var name));
        Assert.Equal((expectedAddress, expectedName), (address, name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("10.0.0.1:2379")]
    [InlineData("[]")]
    [InlineData("""{"Op":1,"Addr":"10.0.0.1:2379"}""")]
    [InlineData("""{"Op":"0","Addr":"10.0.0.1:2379"}""")]
    [InlineData("""{"Op":0,"Addr":""}""")]
    [InlineData("""{"Op":0,"Addr":7}""")]
    [InlineData("""{"Op":0,"Addr":"10.0.0.1:2379\""")]
    public void Decode_RefusesWhatIsNotARegistration(string value) =>
        Assert.False(NamingEndpointValue.TryDecode(Encoding.UTF8.GetBytes(value), out _, out _));
}
