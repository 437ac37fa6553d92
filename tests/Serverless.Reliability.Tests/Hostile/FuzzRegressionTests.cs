using System.Text;
using Serverless.Fuzz.Targets;
using Serverless.Mail.Index;
using Serverless.Testing;
using Xunit;

namespace Serverless.Reliability.Tests.Hostile;

/// <summary>
/// Every input that ever broke a fuzz target (<c>fuzz/regressions/{target}/</c>) and every target's
/// seeds run through the target again: a regression fails here in <c>./test.sh</c>. The fuzzing
/// itself runs in <c>./test.sh</c> too (scripts/fuzz.sh, a few seconds per target).
/// </summary>
public sealed class FuzzRegressionTests
{
    public static TheoryData<string> Targets() => new(FuzzTarget.All.Select(t => t.Name));

    [Theory]
    [MemberData(nameof(Targets))]
    public void Saved_findings_and_seeds_pass_their_target(string name)
    {
        var target = FuzzTarget.Find(name);
        var dir = Path.Combine(AzuriteProcess.RepositoryRoot(), "fuzz", "regressions", name);
        var inputs = target.Seeds.Select((s, i) => ($"seed {i}", s)).ToList();
        if (Directory.Exists(dir))
        {
            inputs.AddRange(Directory.EnumerateFiles(dir).Select(f => (Path.GetFileName(f), File.ReadAllBytes(f))));
        }
        foreach (var (label, input) in inputs)
        {
            var e = Record.Exception(() => target.Run(input));
            Assert.True(e is null, $"{name} / {label}: {e}");
        }
    }

    [Fact]
    public void Every_regression_folder_is_replayed_by_a_target()
    {
        var root = Path.Combine(AzuriteProcess.RepositoryRoot(), "fuzz", "regressions");
        var names = FuzzTarget.All.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        // A folder named after no target would be skipped silently by the theory above.
        Assert.All(Directory.EnumerateDirectories(root).Select(Path.GetFileName), d => Assert.Contains(d!, names));
        Assert.Contains(Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories), f => Path.GetFileName(f) != "README.md");
    }

    [Fact]
    public async Task A_message_whose_first_line_is_not_a_header_is_summarised_as_a_headerless_text_body()
    {
        var raw = Encoding.ASCII.GetBytes("no colon here\r\n\r\nbody\r\n");
        var (summary, message) = await MessageSummaryBuilder.BuildAsync(new NonSeekable(raw));
        message.Dispose();
        Assert.Equal(0, summary.HeaderLength);
        Assert.Equal(("text", "plain"), (summary.Body.Type, summary.Body.Subtype));
        Assert.Equal((0L, raw.Length, 3L), (summary.Body.BodyOffset, summary.Body.EndOffset, summary.Body.Lines));
    }

    /// <summary>A blob download: read once, front to back.</summary>
    private sealed class NonSeekable(byte[] data) : MemoryStream(data, writable: false)
    {
        public override bool CanSeek => false;
    }
}
