using EtcdGateway.Endpoints;

namespace EtcdGateway.Tests.Endpoints;

/// <summary>Values made from files (certificates, CA bundles, revocation lists) follow the files as they change.</summary>
public sealed class FileBackedValueTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("file-backed-").FullName;
    private readonly List<Exception> _failures = [];
    private int _loads;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Unchanged_Files_Are_Read_Once()
    {
        var file = Write("a.txt", "one");
        var value = new FileBackedValue<string>([file], () => Load(file), _failures.Add);

        Assert.Equal("one", value.Current);
        Assert.Equal("one", value.Current);
        Assert.Equal(1, _loads);
    }

    [Fact]
    public void A_Changed_File_Is_Read_Again_At_The_Next_Use()
    {
        var first = Write("a.txt", "one");
        var second = Write("b.txt", "two");
        var value = new FileBackedValue<string>([first, second], () => Load(first) + Load(second), _failures.Add);

        Write("b.txt", "three, longer");

        Assert.Equal("onethree, longer", value.Current);
        Assert.Empty(_failures);
    }

    [Fact]
    public void A_Change_That_Cannot_Be_Read_Keeps_The_Last_Good_Value_Reports_Once_And_The_Next_Change_Is_Tried()
    {
        var file = Write("a.txt", "good");
        var value = new FileBackedValue<string>([file], () => Load(file) is var text && text.StartsWith("bad", StringComparison.Ordinal)
            ? throw new InvalidDataException("unreadable")
            : text, _failures.Add);

        Write("a.txt", "bad one");
        Assert.Equal("good", value.Current);
        Assert.Equal("good", value.Current);
        Assert.Single(_failures);

        Write("a.txt", "renewed");
        Assert.Equal("renewed", value.Current);
        Assert.Single(_failures);
    }

    [Fact]
    public void A_File_That_Went_Away_Keeps_The_Last_Good_Value()
    {
        var file = Write("a.txt", "good");
        var value = new FileBackedValue<string>([file], () => Load(file), _failures.Add);

        File.Delete(file);

        Assert.Equal("good", value.Current);
        Assert.IsType<FileNotFoundException>(Assert.Single(_failures));
    }

    private string Load(string path)
    {
        _loads++;
        return File.ReadAllText(path);
    }

    /// <summary>Writes the file with a modification time of its own, as a later renewal would have.</summary>
    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        var previous = File.Exists(path) ? File.GetLastWriteTimeUtc(path) : DateTime.UtcNow.AddMinutes(-10);
        File.WriteAllText(path, content);
        File.SetLastWriteTimeUtc(path, previous.AddSeconds(1));
        return path;
    }
}
