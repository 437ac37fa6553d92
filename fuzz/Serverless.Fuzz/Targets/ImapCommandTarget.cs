using System.Buffers;
using Serverless.Protocols.Imap;

namespace Serverless.Fuzz.Targets;

/// <summary>
/// IMAP: the command framer (lines, synchronising and LITERAL+ literals, every limit) fed in
/// slices, and the command parser on each complete command — FETCH, SEARCH, STORE, LIST, APPEND
/// and the rest. Literals the framer may buffer are accepted; larger ones are refused as the
/// session does. <see cref="ImapParseException"/> is the parser's documented refusal (BAD).
/// </summary>
public sealed class ImapCommandTarget : FuzzTarget
{
    public override string Name => "imap-command";

    public override IReadOnlyList<byte[]> Seeds { get; } =
    [
        B("a1 LOGIN alice@example.com {6}\r\nsecret\r\na2 SELECT INBOX\r\na3 UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)] BODYSTRUCTURE)\r\n"),
        B("a4 SEARCH CHARSET UTF-8 OR (FROM \"bob\" SINCE 1-Jan-2020) NOT SEEN LARGER 100 UID 1:5,7\r\na5 STORE 1:3 +FLAGS.SILENT (\\Seen $Label)\r\n"),
        B("a6 APPEND Drafts (\\Draft) \"01-Jan-2024 10:00:00 +0000\" {12+}\r\nSubject: x\r\n\r\na7 LIST \"\" \"*\"\r\na8 STATUS INBOX (MESSAGES UIDNEXT UNSEEN)\r\n"),
        B("a9 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==\r\nb1 CREATE \"Folder/&AOk-t&AOk-\"\r\nb2 RENAME a b\r\nb3 IDLE\r\nDONE\r\nb4 ENABLE CONDSTORE\r\nb5 ID (\"name\" \"x\")\r\n"),
        B("c1 FETCH 1 (BODY[1.2.MIME]<0.100> RFC822.SIZE ENVELOPE INTERNALDATE) (CHANGEDSINCE 5)\r\nc2 UID MOVE 1:* Trash\r\nc3 UID EXPUNGE 4\r\n"),
    ];

    public override IReadOnlyList<byte[]> Dictionary { get; } =
    [
        B("{"), B("}"), B("+}"), B("{4294967295}\r\n"), B("{99999999999999999999}\r\n"), B("{0}\r\n"), B("\r\n"), B("("), B(")"), B("["), B("]"), B("<"), B(">"),
        B("\""), B("\\"), B("*"), B("%"), B(":"), B(","), B("BODY["), B("HEADER.FIELDS.NOT"), B("UID "), B("FETCH "), B("SEARCH "), B("NOT "), B("OR "),
        B("~{"), B("NIL"), B("&"), B("-"),
    ];

    public override void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length == 0)
        {
            return;
        }
        var slice = 1 + (input[0] % 23);
        var data = input[1..].ToArray();
        var framer = new ImapCommandFramer(new ImapLimits { MaxBufferedLiteral = 4096, MaxCommandBytes = 16 * 1024, MaxLineLength = 2048 });
        var pending = new List<byte>();
        for (var offset = 0; offset < data.Length; offset += slice)
        {
            pending.AddRange(data.AsSpan(offset, Math.Min(slice, data.Length - offset)));
            while (pending.Count > 0)
            {
                var sequence = new ReadOnlySequence<byte>(pending.ToArray());
                var status = framer.Process(sequence, out var consumed);
                var used = (int)sequence.Slice(0, consumed).Length;
                pending.RemoveRange(0, used);
                switch (status)
                {
                    case ImapFrameStatus.Complete:
                        var frame = framer.TakeFrame();
                        try
                        {
                            var command = ImapCommandParser.Parse(frame);
                            Check(command.Tag.Length > 0, "a parsed command has a tag");
                        }
                        catch (ImapParseException)
                        {
                            // answered BAD
                        }
                        continue;
                    case ImapFrameStatus.LiteralAnnounced:
                        Check(framer.Announcement.Size >= 0, "literal sizes are never negative");
                        if (framer.CanBuffer(framer.Announcement.Size))
                        {
                            framer.AcceptLiteral();
                        }
                        else
                        {
                            framer.Reset(); // refused before anything is allocated for it
                        }
                        continue;
                    case ImapFrameStatus.Invalid:
                        Check(framer.Error is not null, "an invalid frame says why");
                        if (framer.Error!.Fatal)
                        {
                            return; // BYE
                        }
                        framer.Reset();
                        continue;
                }
                Check(used == sequence.Length, "need more data only after using everything offered");
                break;
            }
        }
    }
}
