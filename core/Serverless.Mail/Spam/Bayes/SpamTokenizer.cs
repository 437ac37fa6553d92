using System.Globalization;
using System.Net;
using System.Text;
using MimeKit;

namespace Serverless.Mail.Spam.Bayes;

/// <summary>
/// Turns a parsed message into the set of tokens the Bayesian classifier counts: words of the
/// decoded Subject and From display name, sender and link domains, recipient counts, words of
/// the text and HTML parts (tags stripped, entities decoded) and pairs of neighbouring words, URLs,
/// and the MIME structure; and a few shapes of the sender's software: the Subject's case, '!' and
/// length, the From address's local part, whether From has a name.
/// Pure and bounded: at most <see cref="MaxTextChars"/> characters of text are read and at most
/// <see cref="MaxTokens"/> distinct tokens kept, so a huge message costs no more than a large one.
/// Tokens are lowercased; those from headers carry a prefix ("subject:", "from:", …) because the
/// same word weighs differently there.
/// </summary>
public static class SpamTokenizer
{
    /// <summary>Characters of decoded text (all parts together) read per message.</summary>
    public const int MaxTextChars = 64 * 1024;

    /// <summary>Distinct tokens kept per message.</summary>
    public const int MaxTokens = 4096;

    /// <summary>Words shorter than this are skipped (too common to mean anything).</summary>
    public const int MinWordLength = 3;

    /// <summary>Longer words are replaced by a "skip" token of their first letter and length bucket (SpamBayes' trick).</summary>
    public const int MaxWordLength = 24;

    private const int MaxParts = 64;

    private const int MaxHeaders = 100;

    /// <summary>
    /// Fields a mail client or mbox file writes to keep its own state (read, flagged, UID); they say
    /// where a copy was kept, not who sent it, so they are not evidence (the public corpus carries
    /// X-Keywords/X-Status from its collectors' mailboxes in some spam and hard ham, no easy ham).
    /// </summary>
    private static readonly HashSet<string> MailStoreFields = new(StringComparer.OrdinalIgnoreCase)
    {
        "Status", "X-Status", "X-Keywords", "X-UID", "X-IMAP", "X-IMAPbase", "Content-Length", "Lines",
        "X-Mozilla-Status", "X-Mozilla-Status2", "X-Mozilla-Keys", "X-Evolution", "X-Evolution-Source",
    };


    public static IReadOnlySet<string> Tokenize(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var tokens = new TokenSet();
        HeaderTokens(message, tokens);
        if (message.Body is { } top)
        {
            tokens.Add("mime:" + top.ContentType.MimeType.ToLowerInvariant());
        }
        var budget = MaxTextChars;
        var parts = 0;
        var bodies = new List<string>();
        foreach (var entity in message.BodyParts)
        {
            if (++parts > MaxParts || tokens.Full)
            {
                break;
            }
            var type = entity.ContentType;
            tokens.Add("mime:" + type.MimeType.ToLowerInvariant());
            if (type.Charset is { } charset)
            {
                tokens.Add("charset:" + charset.ToLowerInvariant());
            }
            if (entity is MimePart part && part.ContentTransferEncoding != ContentEncoding.Default)
            {
                tokens.Add("encoding:" + part.ContentTransferEncoding.ToString().ToLowerInvariant());
            }
            if (entity.IsAttachment || entity is MimePart { FileName: not null } and not TextPart)
            {
                var name = (entity as MimePart)?.FileName;
                var ext = name is null ? "" : Path.GetExtension(name).TrimStart('.').ToLowerInvariant();
                tokens.Add("attachment:" + (ext.Length is > 0 and <= 8 ? ext : "none"));
                continue;
            }
            if (entity is not TextPart text || budget <= 0)
            {
                continue;
            }
            string body;
            try
            {
                body = text.Text ?? "";
            }
            catch (Exception e) when (e is DecoderFallbackException or ArgumentException or NotSupportedException)
            {
                tokens.Add("charset:undecodable");
                continue;
            }
            if (body.Length > budget)
            {
                body = body[..budget];
            }
            budget -= body.Length;
            Urls(body, tokens);
            if (text.IsHtml)
            {
                tokens.Add("html:yes");
                body = HtmlText.Strip(body, tokens);
            }
            Words(body, "", tokens);
            bodies.Add(body);
        }
        tokens.Add("parts:" + Bucket(parts));
        foreach (var body in bodies)
        {
            Pairs(body, tokens);
        }
        return tokens.Set;
    }

    private static void HeaderTokens(MimeMessage message, TokenSet tokens)
    {
        Words(message.Subject ?? "", "subject:", tokens);
        Pairs(message.Subject ?? "", tokens, "subject:" + PairPrefix);
        if (string.IsNullOrWhiteSpace(message.Subject))
        {
            tokens.Add("subject:none");
        }
        SubjectShape(message.Subject ?? "", tokens);
        foreach (var from in message.From.Mailboxes.Take(4))
        {
            Words(from.Name ?? "", "from:", tokens);
            Domain(from.Domain, "from-domain:", tokens);
            tokens.Add("from-addr:" + from.Address.ToLowerInvariant());
        }
        if (message.From.Mailboxes.FirstOrDefault() is { } sender)
        {
            // Bulk senders write a bare address, or a local part of their software's making ("a9f3.b12").
            if (string.IsNullOrWhiteSpace(sender.Name))
            {
                tokens.Add("from:no-name");
            }
            tokens.Add("from-local-shape:" + Shape(sender.LocalPart ?? "", 12));
        }
        foreach (var reply in message.ReplyTo.Mailboxes.Take(4))
        {
            Domain(reply.Domain, "reply-domain:", tokens);
        }
        tokens.Add("to-count:" + Bucket(message.To.Count));
        tokens.Add("cc-count:" + Bucket(message.Cc.Count));
        if (message.MessageId is { } id && id.LastIndexOf('@') is var at and >= 0)
        {
            Domain(id[(at + 1)..], "message-id:", tokens);
        }
        else
        {
            tokens.Add("message-id:none");
        }
        foreach (var name in (ReadOnlySpan<string>)["X-Mailer", "User-Agent"])
        {
            if (message.Headers[name] is { } mailer)
            {
                Words(mailer, "mailer:", tokens);
            }
        }
        if (message.Date == DateTimeOffset.MinValue)
        {
            tokens.Add("date:none");
        }
        var received = 0;
        foreach (var header in message.Headers.Take(MaxHeaders))
        {
            if (MailStoreFields.Contains(header.Field))
            {
                continue;
            }
            // Which fields a message has says much about the software that sent it (List-Id, X-Mailer…).
            tokens.Add("header:" + header.Field.ToLowerInvariant());
            if (header.Id == HeaderId.Received)
            {
                if (received++ < 3)
                {
                    Hosts(header.Value, "received:", tokens);
                }
            }
        }
    }

    /// <summary>
    /// How a Subject is written rather than what it says: the share of capitals among its letters
    /// (in tenths, from six letters on: "FREE MONEY" is caps10), how many '!', a '$', doubled spaces
    /// (spacing that dodges word filters), characters outside ASCII, and its length in steps of eight
    /// characters.
    /// </summary>
    private static void SubjectShape(string subject, TokenSet tokens)
    {
        int letters = 0, upper = 0, bangs = 0;
        foreach (var c in subject)
        {
            if (char.IsLetter(c))
            {
                letters++;
                upper += char.IsUpper(c) ? 1 : 0;
            }
            bangs += c == '!' ? 1 : 0;
        }
        if (letters >= 6)
        {
            tokens.Add(string.Create(CultureInfo.InvariantCulture, $"subject-shape:caps{upper * 10 / letters}"));
        }
        tokens.Add("subject-shape:bang" + ShapeBucket(bangs));
        if (subject.Contains('$', StringComparison.Ordinal))
        {
            tokens.Add("subject-shape:dollar");
        }
        if (subject.Contains("  ", StringComparison.Ordinal))
        {
            tokens.Add("subject-shape:spaces");
        }
        if (subject.AsSpan().ContainsAnyExceptInRange('\0', '\x7f'))
        {
            tokens.Add("subject-shape:8bit");
        }
        tokens.Add("subject-shape:len" + ShapeBucket(subject.Length / 8));
    }

    /// <summary>
    /// The shape of a generated name: runs of digits become one '9', of hex letters one 'f' (or 'F'),
    /// of other letters one 'a' (or 'A'); other characters stay ("Jane.Doe42" → "Aa.Aa9"). At most
    /// <paramref name="max"/> characters, so it names a kind of sender, not a sender.
    /// </summary>
    internal static string Shape(string value, int max)
    {
        var shape = new StringBuilder(max);
        var last = '\0';
        foreach (var c in value)
        {
            var k = char.IsAsciiDigit(c) ? '9'
                : char.IsAsciiHexDigitUpper(c) ? 'F'
                : char.IsAsciiHexDigitLower(c) ? 'f'
                : char.IsUpper(c) ? 'A'
                : char.IsLetter(c) ? 'a'
                : c;
            if (k != last || k is not ('9' or 'A' or 'a' or 'F' or 'f'))
            {
                shape.Append(k);
            }
            last = k;
            if (shape.Length >= max)
            {
                break;
            }
        }
        return shape.ToString();
    }

    private static string ShapeBucket(int n) => n switch
    {
        0 => "0",
        1 => "1",
        2 => "2",
        <= 4 => "3-4",
        <= 8 => "5-8",
        <= 16 => "9-16",
        <= 64 => "17-64",
        _ => "many",
    };

    /// <summary>Host names and addresses (words with a dot) of a trace field, and the /8, /16 and /24 of each IPv4 address (a sending network, its provider, its block).</summary>
    private static void Hosts(string value, string prefix, TokenSet tokens)
    {
        var words = new TokenSet();
        Words(value, "", words);
        foreach (var w in words.Set.Where(w => w.Contains('.', StringComparison.Ordinal)))
        {
            if (IPAddress.TryParse(w, out var ip))
            {
                if (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && w.Count(c => c == '.') == 3)
                {
                    var b = ip.GetAddressBytes();
                    tokens.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}{b[0]}"));
                    tokens.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}{b[0]}.{b[1]}"));
                    tokens.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}{b[0]}.{b[1]}.{b[2]}"));
                }
            }
            else if (w.AsSpan(w.LastIndexOf('.') + 1) is { Length: >= 2 } tld && !tld.ContainsAnyExcept(Letters))
            {
                Domain(w, prefix, tokens);
            }
        }
    }

    /// <summary>URLs as their host and each parent domain (words of the path measured as noise on the public corpus).</summary>
    private static void Urls(string text, TokenSet tokens)
    {
        var span = text.AsSpan();
        var found = 0;
        for (var i = span.IndexOf("://", StringComparison.Ordinal); i >= 0 && found < 64; i = NextScheme(span, i + 3))
        {
            var start = i + 3;
            var end = start;
            while (end < span.Length && end - start < 256 && !char.IsWhiteSpace(span[end]) && span[end] is not ('"' or '\'' or '<' or '>' or ')'))
            {
                end++;
            }
            var url = span[start..end];
            var slash = url.IndexOfAny('/', '?', '#');
            var host = (slash >= 0 ? url[..slash] : url).ToString();
            var colon = host.LastIndexOf(':');
            if (colon >= 0)
            {
                host = host[..colon];
            }
            var atSign = host.LastIndexOf('@');
            if (atSign >= 0)
            {
                tokens.Add("url:userinfo");
                host = host[(atSign + 1)..];
            }
            if (IPAddress.TryParse(host, out _))
            {
                tokens.Add("url:ip-address");
            }
            else
            {
                Domain(host, "url:", tokens);
            }
            found++;
        }
    }

    private static int NextScheme(ReadOnlySpan<char> span, int from)
    {
        var next = span[from..].IndexOf("://", StringComparison.Ordinal);
        return next < 0 ? -1 : from + next;
    }

    /// <summary>The domain and its parents down to the registrable part (two labels): "url:a.b.example.com", "url:b.example.com", "url:example.com".</summary>
    private static void Domain(string? domain, string prefix, TokenSet tokens)
    {
        if (string.IsNullOrWhiteSpace(domain))
        {
            tokens.Add(prefix + "none");
            return;
        }
        var d = domain.Trim().TrimEnd('.').ToLowerInvariant();
        if (d.Length > 253)
        {
            d = d[^253..];
        }
        for (var labels = 0; labels < 5 && d.Length > 0; labels++)
        {
            tokens.Add(prefix + d);
            var dot = d.IndexOf('.');
            if (dot < 0 || d.IndexOf('.', dot + 1) < 0)
            {
                break;
            }
            d = d[(dot + 1)..];
        }
    }

    /// <summary>Words: runs of letters, digits and a few joiners ('-', '\'', '$', '!'), lowercased, Unicode-aware.</summary>
    internal static void Words(string text, string prefix, TokenSet tokens)
    {
        var reader = new WordReader(text);
        // The token is built in place (prefix, then the lowercased word) and becomes a string only
        // when the set does not hold it yet: most words of a text are repeats.
        Span<char> token = prefix.Length <= MaxPrefixLength ? stackalloc char[MaxPrefixLength + MaxWordLength] : new char[prefix.Length + MaxWordLength];
        prefix.CopyTo(token);
        while (!tokens.Full && reader.Next(out var word, out var ascii))
        {
            if (word.Length > MaxWordLength)
            {
                tokens.Add(string.Create(CultureInfo.InvariantCulture, $"{prefix}skip:{char.ToLowerInvariant(word[0])}{word.Length / 10 * 10}"));
                continue;
            }
            var n = ToLower(word, ascii, token[prefix.Length..]);
            tokens.Add(token[..(prefix.Length + n)]);
        }
    }

    /// <summary>
    /// Pairs of neighbouring words of the body ("pair:click here"), added after every single word
    /// so that a long text fills the token budget with words first. Pairs tell a phrase from its
    /// words ("free shipping" against "free" and "shipping" in a colleague's mail); on the public
    /// corpus they caught 2–4 % more spam with no more ham misfiled (bench/README.md, issue 18).
    /// The Subject's pairs carry its prefix ("subject:pair:free money").
    /// </summary>
    internal static void Pairs(string text, TokenSet tokens, string prefix = PairPrefix)
    {
        var reader = new WordReader(text, joiners: false);
        // prefix + first + ' ' + second, built in place; a string is made only for a new pair.
        Span<char> token = stackalloc char[prefix.Length + (2 * MaxWordLength) + 1];
        prefix.CopyTo(token);
        var pair = token[prefix.Length..];
        var previous = 0;
        while (!tokens.Full && reader.Next(out var word, out var ascii))
        {
            if (word.Length > MaxWordLength)
            {
                continue;
            }
            if (previous > 0)
            {
                pair[previous] = ' ';
                var n = ToLower(word, ascii, pair[(previous + 1)..]);
                tokens.Add(token[..(prefix.Length + previous + 1 + n)]);
                // The word just added becomes the first of the next pair.
                pair[(previous + 1)..(previous + 1 + n)].CopyTo(pair);
                previous = n;
            }
            else
            {
                previous = ToLower(word, ascii, pair);
            }
        }
    }

    private const string PairPrefix = "pair:";

    /// <summary>The longest header prefix ("subject:", "mailer:", …) built on the stack with its word.</summary>
    private const int MaxPrefixLength = 32;

    /// <summary>
    /// <paramref name="word"/> lowercased into <paramref name="destination"/> (as long as the word, at
    /// least): invariant lowercasing, which for ASCII is A–Z alone, so an ASCII word — most of them —
    /// is done in a plain loop rather than through the culture tables.
    /// </summary>
    private static int ToLower(ReadOnlySpan<char> word, bool ascii, Span<char> destination)
    {
        if (!ascii)
        {
            return word.ToLowerInvariant(destination);
        }
        destination = destination[..word.Length];
        for (var k = 0; k < word.Length; k++)
        {
            var c = word[k];
            destination[k] = char.IsAsciiLetterUpper(c) ? (char)(c | 0x20) : c;
        }
        return word.Length;
    }

    /// <summary>
    /// Steps through the words of a text (at least <see cref="MinWordLength"/> characters; joiners kept
    /// inside a word). Runs of ASCII are crossed with vectorised searches (<see cref="AsciiWordChars"/>,
    /// <see cref="AsciiNonWordChars"/>); a character beyond ASCII is judged one at a time by
    /// <see cref="IsWordChar"/>, so the words are exactly those of a character-by-character scan.
    /// </summary>
    private ref struct WordReader(string text, bool joiners = true)
    {
        private readonly ReadOnlySpan<char> _span = text.AsSpan();
        private int _i;

        /// <summary>The next word; <paramref name="ascii"/> says it holds ASCII characters only.</summary>
        public bool Next(out ReadOnlySpan<char> word, out bool ascii)
        {
            var span = _span;
            while (_i < span.Length)
            {
                // To the next word character: past ASCII spaces and punctuation in one search, then a
                // character beyond ASCII that is no letter, digit or mark is passed by itself.
                var skip = span[_i..].IndexOfAnyExcept(AsciiNonWordChars);
                if (skip < 0)
                {
                    _i = span.Length;
                    break;
                }
                _i += skip;
                if (!char.IsAscii(span[_i]) && !IsWordChar(span[_i]))
                {
                    _i++;
                    continue;
                }
                var start = _i;
                ascii = true;
                while (true)
                {
                    var run = span[_i..].IndexOfAnyExcept(AsciiWordChars);
                    if (run < 0)
                    {
                        _i = span.Length;
                        break;
                    }
                    _i += run;
                    var c = span[_i];
                    if (!char.IsAscii(c) && IsWordChar(c))
                    {
                        ascii = false;
                        _i++;
                    }
                    else if (joiners && c is '-' or '\'' or '.' && _i + 1 < span.Length && IsWordChar(span[_i + 1]))
                    {
                        _i++;
                    }
                    else
                    {
                        break;
                    }
                }
                if (_i - start >= MinWordLength)
                {
                    word = span[start.._i];
                    return true;
                }
            }
            word = default;
            ascii = true;
            return false;
        }
    }

    private static readonly System.Buffers.SearchValues<char> Letters = System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyz");

    /// <summary>The ASCII characters <see cref="IsWordChar"/> takes.</summary>
    private static readonly System.Buffers.SearchValues<char> AsciiWordChars =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789$!");

    /// <summary>The ASCII characters it does not take: a search for anything else stops at a word character or beyond ASCII.</summary>
    private static readonly System.Buffers.SearchValues<char> AsciiNonWordChars =
        System.Buffers.SearchValues.Create(Enumerable.Range(0, 128).Select(c => (char)c).Where(c => !IsWordChar(c)).ToArray());

    // ASCII first: most text is, and no ASCII character is a non-spacing mark.
    internal static bool IsWordChar(char c) => char.IsAscii(c)
        ? char.IsAsciiLetterOrDigit(c) || c is '$' or '!'
        : char.IsLetterOrDigit(c) || char.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark;

    private static string Bucket(int n) => n switch
    {
        0 => "0",
        1 => "1",
        2 => "2",
        <= 5 => "3-5",
        <= 10 => "6-10",
        <= 50 => "11-50",
        _ => "many",
    };
}

/// <summary>A set of distinct tokens that stops growing at <see cref="SpamTokenizer.MaxTokens"/>.</summary>
internal sealed class TokenSet
{
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    public TokenSet()
    {
        _bySpan = Set.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public HashSet<string> Set { get; } = new(StringComparer.Ordinal);

    public bool Full => Set.Count >= SpamTokenizer.MaxTokens;

    public void Add(string token)
    {
        if (!Full)
        {
            Set.Add(token);
        }
    }

    /// <summary>Adds a token given as characters; the string is allocated only if the set does not hold it yet.</summary>
    public void Add(ReadOnlySpan<char> token)
    {
        if (!Full)
        {
            _bySpan.Add(token);
        }
    }
}
