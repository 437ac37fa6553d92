using System.Globalization;
using System.Text;
using MimeKit;
using Xunit;

namespace Serverless.Listeners.Tests.Imap;

/// <summary>
/// SEARCH over a varied set of messages must return exactly what a brute-force evaluation of the
/// same criteria over the same raw messages (parsed here with MimeKit) returns.
/// </summary>
public sealed class ImapSearchTests(ImapTestHost host) : IClassFixture<ImapTestHost>
{
    private sealed record Sample(long Uid, byte[] Raw, MimeMessage Message, HashSet<string> Flags, DateTimeOffset InternalDate);

    private static readonly string[] People = ["alice@example.com", "bob@example.org", "\"Carol Smith\" <carol@example.net>", "=?utf-8?q?J=C3=B6rg?= <joerg@example.de>", "dave@example.com"];
    private static readonly string[] Subjects = ["Quarterly report", "Invoice 42", "=?utf-8?b?R3LDvMOfZSBhdXMgQmVybGlu?=", "lunch?", "Re: report draft", "Meeting"];
    private static readonly string[] Bodies = ["Please find the invoice attached.", "Grüße aus Berlin", "Nothing to see here.", "The REPORT is late", "lunch at noon?"];

    [Fact]
    public async Task Search_results_equal_a_brute_force_evaluation()
    {
        var mailbox = await host.CreateMailboxAsync();
        var random = new Random(20261127);
        var samples = new List<Sample>();
        for (var i = 0; i < 36; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(Build(random, i));
            var flags = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var f in new[] { "\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft", "$Work" })
            {
                if (random.Next(3) == 0)
                {
                    flags.Add(f);
                }
            }
            var internalDate = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddHours(random.Next(0, 24 * 20));
            var result = await host.DeliverAsync(mailbox, Encoding.UTF8.GetString(bytes), flags: flags.ToList(), internalDate: internalDate);
            samples.Add(new Sample(result.Uid, bytes, MimeMessage.Load(new MemoryStream(bytes)), flags, internalDate));
        }

        string[] queries =
        [
            "ALL", "SEEN", "UNSEEN", "ANSWERED", "UNANSWERED", "FLAGGED", "UNFLAGGED", "DELETED", "UNDELETED", "DRAFT", "UNDRAFT",
            "KEYWORD $Work", "UNKEYWORD $work", "RECENT", "NEW", "OLD",
            "FROM alice", "FROM \"Carol Smith\"", "FROM jörg", "TO example.org", "CC carol", "BCC dave", "SUBJECT report", "SUBJECT \"grüße aus\"",
            "HEADER X-Priority 1", "HEADER List-Id \"\"", "HEADER X-Missing \"\"",
            "BODY invoice", "BODY report", "BODY grüße", "TEXT alice", "TEXT noon", "TEXT quarterly",
            "LARGER 600", "SMALLER 500", "BEFORE 10-Jan-2026", "ON 10-Jan-2026", "SINCE 10-Jan-2026",
            "SENTBEFORE 5-Jan-2026", "SENTON 5-Jan-2026", "SENTSINCE 5-Jan-2026",
            "NOT SEEN", "OR FLAGGED SUBJECT report", "OR (SEEN FLAGGED) NOT (BODY invoice)", "UID 3:7", "UID 30:*", "2:4", "1,*",
            "NOT (OR DELETED DRAFT) SINCE 5-Jan-2026 FROM example", "OR OR SEEN ANSWERED OR FLAGGED KEYWORD $Work",
        ];
        await using var raw = await host.RawAsync();
        await raw.LoginAsync(mailbox.Address, ImapTestHost.Password);
        await raw.CommandAsync("SELECT INBOX");
        var discriminating = 0;
        foreach (var query in queries)
        {
            var wire = query.Any(c => c > 127) ? ToLiteral(query) : query;
            var reply = await raw.CommandAsync("UID SEARCH CHARSET UTF-8 " + wire);
            Assert.EndsWith("OK UID SEARCH completed", reply[^1], StringComparison.Ordinal);
            var got = reply[0]["* SEARCH".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToList();
            var expected = samples.Where((s, i) => Matches(query, s, i + 1, samples.Count, samples[^1].Uid)).Select(s => s.Uid).ToList();
            Assert.True(expected.SequenceEqual(got), $"{query}: expected [{string.Join(',', expected)}] got [{string.Join(',', got)}]");
            discriminating += got.Count > 0 && got.Count < samples.Count ? 1 : 0;
        }
        Assert.True(discriminating >= 40, $"only {discriminating} queries told messages apart; the sample is too uniform to prove anything");
        // Non-UID SEARCH answers with sequence numbers.
        Assert.Equal(["* SEARCH 2 3 4", $"{raw.LastTag[..1]}{int.Parse(raw.LastTag[1..], CultureInfo.InvariantCulture) + 1:D3} OK SEARCH completed"], await raw.CommandAsync("SEARCH 2:4"));
        Assert.Equal("NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset", (await raw.CommandAsync("SEARCH CHARSET KOI8-R ALL"))[^1][5..]);
    }

    /// <summary>Non-ASCII search strings go as LITERAL+ literals.</summary>
    private static string ToLiteral(string query)
    {
        var sb = new StringBuilder();
        foreach (var word in Tokens(query))
        {
            if (sb.Length > 0)
            {
                sb.Append(' ');
            }
            var text = word.Trim('"');
            sb.Append(word.Any(c => c > 127) ? $"{{{Encoding.UTF8.GetByteCount(text)}+}}\r\n{text}" : word);
        }
        return sb.ToString();
    }

    private static List<string> Tokens(string query)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < query.Length)
        {
            if (query[i] == ' ')
            {
                i++;
                continue;
            }
            var start = i;
            if (query[i] == '"')
            {
                i = query.IndexOf('"', i + 1) + 1;
            }
            else
            {
                while (i < query.Length && query[i] != ' ')
                {
                    i++;
                }
            }
            tokens.Add(query[start..i]);
        }
        return tokens;
    }

    private static string Build(Random random, int i)
    {
        var sb = new StringBuilder();
        sb.Append("From: ").Append(People[random.Next(People.Length)]).Append("\r\n");
        sb.Append("To: ").Append(People[random.Next(People.Length)]).Append("\r\n");
        if (random.Next(3) == 0)
        {
            sb.Append("Cc: ").Append(People[random.Next(People.Length)]).Append("\r\n");
        }
        if (random.Next(4) == 0)
        {
            sb.Append("Bcc: ").Append(People[random.Next(People.Length)]).Append("\r\n");
        }
        sb.Append("Subject: ").Append(Subjects[random.Next(Subjects.Length)]).Append("\r\n");
        if (random.Next(5) != 0)
        {
            var sent = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.FromHours(random.Next(-5, 6))).AddDays(random.Next(0, 10));
            sb.Append("Date: ").Append(MimeKit.Utils.DateUtils.FormatDate(sent)).Append("\r\n");
        }
        if (random.Next(3) == 0)
        {
            sb.Append("X-Priority: ").Append(random.Next(1, 4)).Append("\r\n");
        }
        if (random.Next(4) == 0)
        {
            sb.Append("List-Id: <list").Append(i).Append(".example.com>\r\n");
        }
        sb.Append("Message-ID: <s").Append(i).Append("@example.com>\r\nMIME-Version: 1.0\r\n");
        var body = Bodies[random.Next(Bodies.Length)];
        switch (random.Next(3))
        {
            case 0:
                sb.Append("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n").Append(body).Append("\r\n");
                break;
            case 1:
                sb.Append("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n")
                    .Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(body))).Append("\r\n");
                break;
            default:
                sb.Append("Content-Type: multipart/mixed; boundary=b").Append(i).Append("\r\n\r\n--b").Append(i)
                    .Append("\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
                    .Append(QuotedPrintable(body)).Append("\r\n--b").Append(i)
                    .Append("\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n")
                    .Append(Convert.ToBase64String(Encoding.UTF8.GetBytes("invoice in an attachment is not text " + new string('x', random.Next(0, 400))))).Append("\r\n--b").Append(i).Append("--\r\n");
                break;
        }
        return sb.ToString();
    }

    private static string QuotedPrintable(string text) =>
        string.Concat(Encoding.UTF8.GetBytes(text).Select(b => b is >= 33 and <= 126 and not (byte)'=' || b == ' ' ? ((char)b).ToString() : $"={b:X2}"));

    // ---- the brute force: parse the criteria again (simply) and evaluate over MimeKit's reading ----

    private static bool Matches(string query, Sample s, long seq, int count, long lastUid)
    {
        var tokens = new Queue<string>(Tokens(query.Replace("(", "( ", StringComparison.Ordinal).Replace(")", " )", StringComparison.Ordinal)));
        var all = true;
        while (tokens.Count > 0)
        {
            all &= Eval(tokens, s, seq, count, lastUid);
        }
        return all;
    }

    private static bool Eval(Queue<string> t, Sample s, long seq, int count, long lastUid)
    {
        var key = t.Dequeue();
        string Arg() => t.Dequeue().Trim('"');
        DateOnly Date() => DateOnly.ParseExact(Arg(), "d-MMM-yyyy", CultureInfo.InvariantCulture);
        bool Header(string name, string value) => s.Message.Headers.Where(h => h.Field.Equals(name, StringComparison.OrdinalIgnoreCase))
            .Any(h => value.Length == 0 || h.Value.Contains(value, StringComparison.OrdinalIgnoreCase));
        string BodyText() => string.Join("\n", s.Message.BodyParts.OfType<TextPart>().Select(p => p.Text));
        var internalDate = DateOnly.FromDateTime(s.InternalDate.UtcDateTime);
        var sent = s.Message.Headers.Contains(HeaderId.Date) ? DateOnly.FromDateTime(s.Message.Date.DateTime) : internalDate;
        switch (key.ToUpperInvariant())
        {
            case "(":
                var all = true;
                while (t.Peek() != ")")
                {
                    all &= Eval(t, s, seq, count, lastUid);
                }
                t.Dequeue();
                return all;
            case "ALL":
                return true;
            case "SEEN": return s.Flags.Contains("\\Seen");
            case "UNSEEN": return !s.Flags.Contains("\\Seen");
            case "ANSWERED": return s.Flags.Contains("\\Answered");
            case "UNANSWERED": return !s.Flags.Contains("\\Answered");
            case "FLAGGED": return s.Flags.Contains("\\Flagged");
            case "UNFLAGGED": return !s.Flags.Contains("\\Flagged");
            case "DELETED": return s.Flags.Contains("\\Deleted");
            case "UNDELETED": return !s.Flags.Contains("\\Deleted");
            case "DRAFT": return s.Flags.Contains("\\Draft");
            case "UNDRAFT": return !s.Flags.Contains("\\Draft");
            case "KEYWORD": return s.Flags.Contains(Arg());
            case "UNKEYWORD": return !s.Flags.Contains(Arg());
            case "RECENT": return true; // every message arrived before this session selected the folder
            case "NEW": return !s.Flags.Contains("\\Seen");
            case "OLD": return false;
            case "FROM": case "TO": case "CC": case "BCC": case "SUBJECT":
                return Header(key, Arg());
            case "HEADER":
                var name = Arg();
                return Header(name, Arg());
            case "BODY": return BodyText().Contains(Arg(), StringComparison.OrdinalIgnoreCase);
            case "TEXT":
                var text = Arg();
                return s.Message.Headers.Any(h => (h.Field + ": " + h.Value).Contains(text, StringComparison.OrdinalIgnoreCase))
                    || BodyText().Contains(text, StringComparison.OrdinalIgnoreCase);
            case "LARGER": return s.Raw.Length > long.Parse(Arg(), CultureInfo.InvariantCulture);
            case "SMALLER": return s.Raw.Length < long.Parse(Arg(), CultureInfo.InvariantCulture);
            case "BEFORE": return internalDate < Date();
            case "ON": return internalDate == Date();
            case "SINCE": return internalDate >= Date();
            case "SENTBEFORE": return sent < Date();
            case "SENTON": return sent == Date();
            case "SENTSINCE": return sent >= Date();
            case "NOT": return !Eval(t, s, seq, count, lastUid);
            case "OR":
                var a = Eval(t, s, seq, count, lastUid);
                var b = Eval(t, s, seq, count, lastUid);
                return a || b;
            case "UID": return InSet(Arg(), s.Uid, lastUid);
            default: return InSet(key, seq, count);
        }
    }

    private static bool InSet(string set, long n, long star) => set.Split(',').Any(part =>
    {
        var ends = part.Split(':').Select(x => x == "*" ? star : long.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        return n >= ends.Min() && n <= ends.Max();
    });
}
