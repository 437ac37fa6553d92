using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Serverless.Protocols.Imap;

namespace Serverless.Bench.Micro;

/// <summary>
/// IMAP commands framed and parsed from bytes as they arrive: a client's list-view FETCH, LOGIN
/// with synchronising literals, a SEARCH with a LITERAL+ string, and an APPEND carrying a 4 KiB
/// LITERAL+ message (buffered by the framer).
/// </summary>
[MemoryDiagnoser]
public class ImapParsingBenchmarks
{
    private static readonly byte[] Fetch = Encoding.ASCII.GetBytes("a1 UID FETCH 1:100 (UID FLAGS RFC822.SIZE ENVELOPE BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE)])\r\n");
    private static readonly byte[] Login = Encoding.ASCII.GetBytes("a2 LOGIN {20}\r\nsomeone@example.test {16}\r\ncorrect horse 12\r\n");
    private static readonly byte[] Search = Encoding.ASCII.GetBytes("a3 UID SEARCH OR SUBJECT {11+}\r\nquarterly 3 FROM \"bob@example.test\" SINCE 1-Jan-2026 UNSEEN\r\n");
    private static readonly byte[] Append = Encoding.ASCII.GetBytes("a4 APPEND INBOX (\\Seen) {4096+}\r\n" + new string('x', 4094) + "\r\n\r\n");

    [Benchmark(Description = "UID FETCH (list view)")]
    public object FetchCommand() => Parse(Fetch);

    [Benchmark(Description = "LOGIN with 2 synchronising literals")]
    public object LoginCommand() => Parse(Login);

    [Benchmark(Description = "UID SEARCH with a LITERAL+ string")]
    public object SearchCommand() => Parse(Search);

    [Benchmark(Description = "APPEND with a 4 KiB LITERAL+")]
    public object AppendCommand() => Parse(Append);

    private static ImapCommand Parse(byte[] bytes)
    {
        var framer = new ImapCommandFramer();
        var input = new ReadOnlySequence<byte>(bytes);
        while (true)
        {
            var status = framer.Process(input, out var consumed);
            input = input.Slice(consumed);
            switch (status)
            {
                case ImapFrameStatus.Complete:
                    return ImapCommandParser.Parse(framer.TakeFrame());
                case ImapFrameStatus.LiteralAnnounced:
                    framer.AcceptLiteral();
                    break;
                default:
                    throw new InvalidOperationException($"{status}: {framer.Error?.Message}");
            }
        }
    }
}
