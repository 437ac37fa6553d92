using System.Buffers;
using System.Text;
using Serverless.Protocols.Imap;

namespace Serverless.Protocols.Tests.Imap;

internal static class FrameHelper
{
    /// <summary>Frames one complete command from text (literals are accepted as announced).</summary>
    public static ImapFrame Frame(string text)
    {
        var framer = new ImapCommandFramer();
        var input = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(text));
        while (true)
        {
            var status = framer.Process(input, out var consumed);
            input = input.Slice(consumed);
            switch (status)
            {
                case ImapFrameStatus.Complete:
                    return framer.TakeFrame();
                case ImapFrameStatus.LiteralAnnounced:
                    framer.AcceptLiteral();
                    break;
                default:
                    throw new InvalidOperationException($"Framer said {status}: {framer.Error?.Message}");
            }
        }
    }

    public static ImapCommand Parse(string text) => ImapCommandParser.Parse(Frame(text));

    public static T Args<T>(string text)
        where T : ImapArguments => (T)Parse(text).Arguments;
}
