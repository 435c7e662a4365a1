using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using EtcdGateway.IntegrationTests.Infrastructure;

namespace EtcdGateway.IntegrationTests.Admin;

/// <summary>The admin listener's status page, rendered by a real headless Chromium against a gateway in front of a real cluster.</summary>
public class StatusPageBrowserTests
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private static readonly TimeSpan ChromiumTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StateTimeout = TimeSpan.FromSeconds(15);
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };

    [Fact]
    public async Task StatusPage_ShowsEveryMemberUp_ThenAFrozenMemberDown()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: install the Debian package 'chromium' (scripts/test does)");

        await using var cluster = await EtcdCluster.StartAsync(3);
        var admin = $"http://127.0.0.1:{FreePorts.Next()}";
        await using var gateway = await GatewayProcess.StartAsync([$"--endpoints={cluster.ClientEndpoints}", $"--metrics-addr={admin}"]);
        var members = cluster.Members.Select(m => m.ClientAddress).ToList();

        for (var i = 0; i < 6; i++)
        {
            var put = await Etcdctl.RunAsync(gateway.ListenAddress, "put", $"status-page/{i}", new string('v', 1000 * (i + 1)));
            Assert.True(put.Succeeded, put.ToString());
            var get = await Etcdctl.RunAsync(gateway.ListenAddress, "get", "status-page/", "--prefix", "--keys-only");
            Assert.True(get.Succeeded, get.ToString());
        }

        foreach (var member in members)
        {
            await WaitForStateAsync(admin, member, "up");
        }

        var dom = await DumpDomAsync($"{admin}/");
        foreach (var member in members)
        {
            Assert.Equal("up", StateInDom(dom, member));
            Assert.Equal("healthy", HealthInDom(dom, member));
        }

        Assert.DoesNotContain("class=\"stale\"", dom, StringComparison.Ordinal);
        await ScreenshotAsync($"{admin}/", "1280,800", "status-page.png");
        await ScreenshotAsync($"{admin}/", "390,844", "status-page-phone.png");

        var victim = (await cluster.LeaderIndexAsync() + 1) % 3;
        cluster.Stop(victim);
        try
        {
            await WaitForStateAsync(admin, members[victim], "down");
            dom = await DumpDomAsync($"{admin}/");
            Assert.Equal("down", StateInDom(dom, members[victim]));

            // A frozen process still completes TCP handshakes but never answers: the page says so in words.
            Assert.Equal("accepts TCP only", HealthInDom(dom, members[victim]));
            foreach (var member in members.Where((_, i) => i != victim))
            {
                Assert.Equal("up", StateInDom(dom, member));
            }

            await ScreenshotAsync($"{admin}/", "1280,800", "status-page-down.png");
        }
        finally
        {
            cluster.Continue(victim);
        }
    }

    /// <summary>The <c>data-state</c> of the state cell in the row whose <c>data-endpoint</c> is <paramref name="address"/>.</summary>
    private static string StateInDom(string dom, string address)
    {
        var row = RowInDom(dom, address);
        var state = Regex.Match(row, "\\sdata-state=\"([^\"]*)\"");
        Assert.True(state.Success, $"the row for {address} has no data-state cell:\n{row}");
        return state.Groups[1].Value;
    }

    /// <summary>The text of the Health cell in the row whose <c>data-endpoint</c> is <paramref name="address"/>.</summary>
    private static string HealthInDom(string dom, string address)
    {
        var row = RowInDom(dom, address);
        var health = Regex.Match(row, "<td[^>]*\\sdata-label=\"Health\"[^>]*>([^<]*)</td>");
        Assert.True(health.Success, $"the row for {address} has no Health cell:\n{row}");
        return System.Net.WebUtility.HtmlDecode(health.Groups[1].Value);
    }

    private static string RowInDom(string dom, string address)
    {
        var row = Regex.Match(dom, $"<tr[^>]*\\sdata-endpoint=\"{Regex.Escape(address)}\"[^>]*>(.*?)</tr>", RegexOptions.Singleline);
        Assert.True(row.Success, $"no element with data-endpoint=\"{address}\" in the rendered page:\n{dom}");
        return row.Value;
    }

    /// <summary>Polls the gateway's <c>GET /status</c> until <paramref name="address"/> is in <paramref name="state"/>.</summary>
    private static async Task WaitForStateAsync(string admin, string address, string state)
    {
        var deadline = DateTime.UtcNow + StateTimeout;
        var last = "";
        while (true)
        {
            try
            {
                last = await Http.GetStringAsync(new Uri($"{admin}/status"));
                using var status = JsonDocument.Parse(last);
                var endpoint = status.RootElement.GetProperty("endpoints").EnumerateArray()
                    .FirstOrDefault(e => e.GetProperty("address").GetString() == address);
                if (endpoint.ValueKind == JsonValueKind.Object && endpoint.GetProperty("state").GetString() == state)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = e.Message;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{address} not \"{state}\" in {admin}/status within {StateTimeout.TotalSeconds} s; last answer:\n{last}");
            }

            await Task.Delay(200);
        }
    }

    private static async Task<string> DumpDomAsync(string url)
    {
        var result = await RunChromiumAsync(["--dump-dom", "--virtual-time-budget=5000", url]);
        Assert.True(result.Succeeded, $"chromium --dump-dom failed: {result}");
        return result.StdOut;
    }

    /// <summary>Screenshots the page at <paramref name="windowSize"/> and keeps it under tests/artifacts as <paramref name="artifactName"/>.</summary>
    private static async Task ScreenshotAsync(string url, string windowSize, string artifactName)
    {
        var directory = Directory.CreateTempSubdirectory("etcd-gw-shot-");
        try
        {
            var path = Path.Combine(directory.FullName, artifactName);
            var result = await RunChromiumAsync([$"--screenshot={path}", $"--window-size={windowSize}", "--hide-scrollbars", "--virtual-time-budget=5000", url]);
            Assert.True(result.Succeeded, $"chromium --screenshot failed: {result}");
            Assert.True(File.Exists(path), $"chromium wrote no screenshot to {path}: {result}");
            var size = new FileInfo(path).Length;
            Assert.True(size > 10 * 1024, $"{artifactName} is only {size} bytes: the page is probably blank");

            var artifacts = Path.Combine(RepositoryRoot(), "tests", "artifacts");
            Directory.CreateDirectory(artifacts);
            File.Copy(path, Path.Combine(artifacts, artifactName), overwrite: true);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>Runs headless Chromium with a fresh profile; kills it after <see cref="ChromiumTimeout"/>.</summary>
    private static async Task<CommandResult> RunChromiumAsync(IEnumerable<string> args)
    {
        var profile = Directory.CreateTempSubdirectory("etcd-gw-chromium-");
        try
        {
            var info = new ProcessStartInfo(ChromiumPath)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            string[] common =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", $"--user-data-dir={profile.FullName}",
            ];
            foreach (var arg in common.Concat(args))
            {
                info.ArgumentList.Add(arg);
            }

            using var process = new Process { StartInfo = info };
            process.Start();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(ChromiumTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                Assert.Fail($"chromium did not finish within {ChromiumTimeout.TotalSeconds} s: {string.Join(' ', info.ArgumentList)}\n{await stderr}");
            }

            return new CommandResult(process.ExitCode, await stdout, await stderr);
        }
        finally
        {
            try
            {
                profile.Delete(recursive: true);
            }
            catch (IOException)
            {
                // Chromium's helpers may still be writing into the profile as it exits; a leftover temp dir is harmless.
            }
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "EtcdGateway.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no EtcdGateway.slnx above {AppContext.BaseDirectory}");
    }
}
