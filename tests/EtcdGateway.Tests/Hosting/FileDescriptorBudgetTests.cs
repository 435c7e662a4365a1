using EtcdGateway.Hosting;

namespace EtcdGateway.Tests.Hosting;

public class FileDescriptorBudgetTests
{
    [Theory]
    [InlineData(1024UL, 20, 460)] // (1024 - 20 - 32 - 51) / 2
    [InlineData(128UL, 30, 30)] // (128 - 30 - 32 - 6) / 2
    [InlineData(1_048_576UL, 20, 498_048)]
    public void EachConnectionCostsTwoFds_AfterHeadroom(ulong limit, int open, int expected) =>
        Assert.Equal(expected, FileDescriptorBudget.MaxConnections(limit, open));

    [Fact]
    public void TinyLimit_StillAllowsOneConnection() =>
        Assert.Equal(1, FileDescriptorBudget.MaxConnections(40, 30));

    [Fact]
    public void UnlimitedLimit_DoesNotOverflow() =>
        Assert.InRange(FileDescriptorBudget.MaxConnections(ulong.MaxValue, 20), 1_000_000, int.MaxValue / 2);

    [Fact]
    public void ThisProcess_HasABudget_OnLinux()
    {
        Assert.True(OperatingSystem.IsLinux());
        Assert.InRange(FileDescriptorBudget.ForThisProcess() ?? 0, 1, int.MaxValue);
    }
}
