using System.Text;
using Serverless.Protocols.Smtp;
using Xunit;

namespace Serverless.Protocols.Tests.Smtp;

/// <summary>BDAT content obeys DATA's rule: CR and LF only as CRLF, wherever the chunks are cut.</summary>
public sealed class BareLineEndingCheckTests
{
    [Theory]
    [InlineData("Subject: x\r\n\r\nbody\r\n")]
    [InlineData("")]
    [InlineData("no line ending at all")]
    [InlineData("\r\n\r\n.\r\n..\r\n")]
    public void Crlf_only_content_passes_however_it_is_cut(string message)
    {
        foreach (var pieces in Cuts(Encoding.ASCII.GetBytes(message)))
        {
            var check = new BareLineEndingCheck();
            Assert.All(pieces, p => Assert.True(check.Scan(p)));
            Assert.True(check.Complete());
        }
    }

    [Theory]
    [InlineData("Subject: x\r\n\r\nfirst\r.\r\nMAIL FROM:<a@b.example>\r\n")] // <CR>.<CR><LF>
    [InlineData("Subject: x\r\n\r\nfirst\n.\nsecond\r\n")]
    [InlineData("Subject: x\r\n\r\nfirst\r\n.\n")]
    [InlineData("lone\rcr\r\n")]
    [InlineData("\n")]
    [InlineData("ends with a bare cr\r")]
    [InlineData("\r\r\n")]
    public void A_bare_cr_or_lf_is_caught_however_it_is_cut(string message)
    {
        foreach (var pieces in Cuts(Encoding.ASCII.GetBytes(message)))
        {
            var check = new BareLineEndingCheck();
            var ok = true;
            foreach (var p in pieces)
            {
                ok &= check.Scan(p);
            }
            Assert.False(ok && check.Complete());
            Assert.True(check.Failed);
        }
    }

    [Fact]
    public void A_crlf_split_between_two_chunks_is_one_line_ending()
    {
        var check = new BareLineEndingCheck();
        Assert.True(check.Scan("Subject: x\r"u8));
        Assert.True(check.Scan(""u8));
        Assert.True(check.Scan("\n\r\nbody\r\n"u8));
        Assert.True(check.Complete());
    }

    /// <summary>The whole message, and every way of cutting it in two and in three.</summary>
    private static IEnumerable<byte[][]> Cuts(byte[] bytes)
    {
        yield return [bytes];
        for (var a = 0; a <= bytes.Length; a++)
        {
            yield return [bytes[..a], bytes[a..]];
            for (var b = a; b <= bytes.Length; b++)
            {
                yield return [bytes[..a], bytes[a..b], bytes[b..]];
            }
        }
    }
}
