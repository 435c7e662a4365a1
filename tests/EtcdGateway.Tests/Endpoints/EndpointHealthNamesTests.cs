using EtcdGateway.Endpoints;

namespace EtcdGateway.Tests.Endpoints;

public class EndpointHealthNamesTests
{
    [Theory]
    [InlineData(nameof(EndpointHealth.Unknown), "not-checked")]
    [InlineData(nameof(EndpointHealth.Healthy), "healthy")]
    [InlineData(nameof(EndpointHealth.Answering), "unhealthy")]
    [InlineData(nameof(EndpointHealth.AcceptsTcp), "accepts-tcp-only")]
    [InlineData(nameof(EndpointHealth.Unreachable), "unreachable")]
    public void Of_NamesEachVerdictInHyphenatedWords(string health, string expected) =>
        Assert.Equal(expected, EndpointHealthNames.Of(Enum.Parse<EndpointHealth>(health)));

    [Fact]
    public void Of_NamesEveryVerdict_AndNoTwoAlike()
    {
        var names = Enum.GetValues<EndpointHealth>().Select(EndpointHealthNames.Of).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
    }
}
