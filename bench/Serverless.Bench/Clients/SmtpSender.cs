using System.Text;

namespace Serverless.Bench.Clients;

/// <summary>
/// Sends one message per connection the way an MTA does (smtp-source style): greeting, EHLO, then
/// MAIL + RCPT + DATA pipelined (the server offers PIPELINING), the body, QUIT.
/// Optionally AUTH PLAIN first (submission port; plaintext is allowed from loopback in the dev setting).
/// </summary>
internal static class SmtpSender
{
    private static long _temporaryFailures;

    /// <summary>4xx answers met (and retried, as an MTA would) since the process started.</summary>
    public static long TemporaryFailures => Interlocked.Read(ref _temporaryFailures);

    /// <summary>
    /// Sends and returns when the server has answered the end of data with 250 (the moment it is
    /// durable). A 4xx answer is retried on a new connection after a second, up to three times.
    /// </summary>
    /// <param name="host">The server's address (loopback when null): the peers in the comparison live elsewhere.</param>
    public static async Task SendAsync(int port, string from, string to, byte[] dotStuffedBody, (string User, string Password)? auth = null,
        System.Net.IPAddress? host = null, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await SendOnceAsync(port, host, from, to, dotStuffedBody, auth, cancellationToken);
                return;
            }
            catch (TemporaryFailure) when (attempt < 4)
            {
                Interlocked.Increment(ref _temporaryFailures);
                await Task.Delay(1000, cancellationToken);
            }
        }
    }

    private sealed class TemporaryFailure(string reply) : Exception(reply);

    private static async Task SendOnceAsync(int port, System.Net.IPAddress? host, string from, string to, byte[] dotStuffedBody, (string User, string Password)? auth, CancellationToken cancellationToken)
    {
        await using var c = await LineConnection.ConnectAsync(port, host, cancellationToken: cancellationToken);
        await Expect(c, "220", cancellationToken);
        await c.WriteAsync("EHLO bench.client.test\r\n", cancellationToken);
        await Expect(c, "250", cancellationToken);
        if (auth is { } a)
        {
            var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{a.User}\0{a.Password}"));
            await c.WriteAsync($"AUTH PLAIN {token}\r\n", cancellationToken);
            await Expect(c, "235", cancellationToken);
        }
        await c.WriteAsync($"MAIL FROM:<{from}>\r\nRCPT TO:<{to}>\r\nDATA\r\n", cancellationToken);
        await Expect(c, "250", cancellationToken);
        await Expect(c, "250", cancellationToken);
        await Expect(c, "354", cancellationToken);
        await c.WriteAsync(dotStuffedBody, cancellationToken);
        await Expect(c, "250", cancellationToken);
        await c.WriteAsync("QUIT\r\n", cancellationToken);
        await Expect(c, "221", cancellationToken);
    }

    /// <summary>Reads a (possibly multi-line) reply and checks its code.</summary>
    private static async Task Expect(LineConnection c, string code, CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await c.ReadLineAsync(cancellationToken);
            if (line.Length >= 4 && line[0] == '4' && code[0] != '4')
            {
                throw new TemporaryFailure(line);
            }
            if (line.Length < 4 || !line.StartsWith(code, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"expected {code}, got: {line}");
            }
            if (line[3] == ' ')
            {
                return;
            }
        }
    }

    /// <summary>
    /// A message of about <paramref name="size"/> bytes with a unique Message-ID, as DATA content:
    /// lines of 76 characters, the terminating "." line included (no line starts with a dot).
    /// </summary>
    public static byte[] Message(string from, string to, string messageId, int size, string subject, bool words = false)
    {
        if (words)
        {
            return WordsMessage(from, to, messageId, size, subject);
        }
        var sb = Header(from, to, messageId, subject);
        var line = "The quick brown fox jumps over the lazy dog; benchmark filler text, 76 chars";
        while (sb.Length < size - 5)
        {
            var rest = size - 5 - sb.Length;
            sb.Append(rest >= line.Length + 2 ? line : line[..Math.Max(1, rest - 2)]).Append("\r\n");
        }
        sb.Append(".\r\n");
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    /// <summary>The bench message's header fields and the blank line after them (plain US-ASCII text).</summary>
    private static StringBuilder Header(string from, string to, string messageId, string subject)
    {
        var sb = new StringBuilder();
        sb.Append("From: Bench Sender <").Append(from).Append(">\r\n");
        sb.Append("To: <").Append(to).Append(">\r\n");
        sb.Append("Subject: ").Append(subject).Append("\r\n");
        sb.Append("Message-ID: <").Append(messageId).Append(">\r\n");
        sb.Append("Date: ").Append(DateTimeOffset.UtcNow.ToString("r", System.Globalization.CultureInfo.InvariantCulture)).Append("\r\n");
        return sb.Append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n");
    }

    /// <summary>
    /// Syllables for <see cref="WordsMessage"/>'s vocabulary: 2,000 made-up words of 1–4 syllables, so a
    /// body of them compresses about as ordinary prose does (~2:1 with Brotli's fastest quality), where
    /// the repeated line of <see cref="Message"/> compresses ~50:1.
    /// </summary>
    private static readonly string[] Vocabulary = MakeVocabulary();

    private static string[] MakeVocabulary()
    {
        string[] syllables = ["ta", "ke", "ri", "mon", "sel", "dra", "po", "lin", "ver", "quo", "ba", "nes", "tor", "chi", "gal", "um", "ex", "fre", "st", "ald", "co", "pri", "men", "tus"];
        var random = new Random(16);
        return [.. Enumerable.Range(0, 2000).Select(_ => string.Concat(Enumerable.Range(0, random.Next(1, 5)).Select(_ => syllables[random.Next(syllables.Length)])))];
    }

    /// <summary>A message like <see cref="Message"/> whose body is words drawn from <see cref="Vocabulary"/> (seeded by the Message-ID), in lines of up to 76 characters.</summary>
    private static byte[] WordsMessage(string from, string to, string messageId, int size, string subject)
    {
        var sb = Header(from, to, messageId, subject);
        var random = new Random(StringComparer.Ordinal.GetHashCode(messageId));
        var line = 0;
        while (sb.Length < size - 5)
        {
            var word = Vocabulary[random.Next(Vocabulary.Length)];
            if (line + word.Length + 1 > 76)
            {
                sb.Append("\r\n");
                line = 0;
            }
            else if (line > 0)
            {
                sb.Append(' ');
                line++;
            }
            sb.Append(word);
            line += word.Length;
        }
        sb.Append("\r\n.\r\n");
        return Encoding.ASCII.GetBytes(sb.ToString());
    }

    /// <summary>The same message without the DATA terminator (for seeding storage directly).</summary>
    public static byte[] RawMessage(string from, string to, string messageId, int size, string subject)
    {
        var data = Message(from, to, messageId, size, subject);
        return data[..^3];
    }
}
