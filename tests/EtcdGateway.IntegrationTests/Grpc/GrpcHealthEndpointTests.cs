using System.Net;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Grpc;

/// <summary><c>/health</c> on the proxy's own port, next to gRPC, answered as etcd's proxy answers it.</summary>
public class GrpcHealthEndpointTests(ClusterWithGrpcProxyFixture fixture) : IClassFixture<ClusterWithGrpcProxyFixture>
{
    [Theory]
    [InlineData("1.1")]
    [InlineData("2.0")]
    public async Task Health_On_The_gRPC_Port_Is_A_Linearizable_Read(string version)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{fixture.Proxy.ListenAddress}/health")
        {
            Version = Version.Parse(version),
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Version.Parse(version), response.Version);
        Assert.Equal("text/plain; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal("{\"health\":\"true\",\"reason\":\"\"}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Health_Takes_Only_Get_And_Other_Paths_Are_Not_Found()
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{fixture.Proxy.ListenAddress}") };
        using var post = await http.PostAsync("/health", null);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal("GET", post.Content.Headers.Allow.Single());
        using var other = await http.GetAsync("/nope");
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }

    [Fact]
    public async Task Health_Without_A_Reachable_Member_Is_503_With_The_Reason()
    {
        await using var proxy = await GrpcProxyProcess.StartAsync([$"--endpoints=127.0.0.1:{FreePorts.Next()}", "--health-check=none"]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://{proxy.ListenAddress}") };
        using var response = await http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("{\"health\":\"false\",\"reason\":\"GET ERROR:", body, StringComparison.Ordinal);
        Assert.EndsWith("}\n", body, StringComparison.Ordinal);
        await proxy.WaitForLogAsync("/health error", TimeSpan.FromSeconds(5));
    }
}
