using System.Text;
using MimeKit;
using Serverless.Mail.Spam.Bayes;
using Xunit;

namespace Serverless.Mail.Tests.Spam;

public sealed class SpamTokenizerTests
{
    private static MimeMessage Parse(string raw) => MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(raw.ReplaceLineEndings("\r\n"))));

    [Fact]
    public void Header_words_carry_their_field_and_text_words_are_lowercased_unicode()
    {
        var tokens = SpamTokenizer.Tokenize(Parse("""
            From: "Mega Deals" <promo@news.shop.example>
            To: a@x.test, b@x.test, c@x.test
            Subject: =?utf-8?q?=C3=9CBER_Offer?=
            Message-ID: <1@mailer.example>
            Content-Type: text/plain; charset=utf-8

            GRÖSSE Matters and naïve café prices
            """));
        Assert.Contains("subject:über", tokens);
        Assert.Contains("subject:offer", tokens);
        Assert.Contains("from:mega", tokens);
        Assert.Contains("from-domain:news.shop.example", tokens);
        Assert.Contains("from-domain:shop.example", tokens);
        Assert.Contains("to-count:3-5", tokens);
        Assert.Contains("message-id:mailer.example", tokens);
        Assert.Contains("grösse", tokens);
        Assert.Contains("naïve", tokens);
        Assert.Contains("café", tokens);
        Assert.Contains("charset:utf-8", tokens);
        Assert.DoesNotContain("offer", tokens); // only in the subject, so only with its prefix
    }

    [Fact]
    public void Html_is_stripped_entities_decoded_scripts_dropped_and_urls_give_their_domains()
    {
        var tokens = SpamTokenizer.Tokenize(Parse("""
            From: a@b.example
            Subject: hi
            Content-Type: text/html

            <html><body><p>Claim your <b>free&nbsp;prize</b> &amp; more</p>
            <script>var hidden = "scriptword";</script><!-- commentword -->
            <a href="https://click.tracker.example/path/win?x=1">here</a> <img src="http://203.0.113.9/x.gif"></body></html>
            """));
        Assert.Contains("claim", tokens);
        Assert.Contains("free", tokens);
        Assert.Contains("prize", tokens);
        Assert.Contains("html-tag:img", tokens);
        Assert.Contains("html:comment", tokens);
        Assert.Contains("url:click.tracker.example", tokens);
        Assert.Contains("url:tracker.example", tokens);
        Assert.Contains("url:ip-address", tokens);
        Assert.DoesNotContain("scriptword", tokens);
        Assert.DoesNotContain("commentword", tokens);
        Assert.DoesNotContain("nbsp", tokens);
        Assert.DoesNotContain(tokens, t => t.Contains('<', StringComparison.Ordinal));
    }

    [Fact]
    public void Mime_structure_and_attachment_types_are_tokens()
    {
        var message = new MimeMessage { Subject = "invoice" };
        message.From.Add(MailboxAddress.Parse("x@y.example"));
        var body = new BodyBuilder { TextBody = "see attached" };
        body.Attachments.Add("invoice.zip", new byte[] { 1, 2, 3 }, new ContentType("application", "zip"));
        message.Body = body.ToMessageBody();
        var tokens = SpamTokenizer.Tokenize(message);
        Assert.Contains("mime:multipart/mixed", tokens);
        Assert.Contains("mime:application/zip", tokens);
        Assert.Contains("attachment:zip", tokens);
        Assert.Contains("encoding:base64", tokens);
        Assert.Contains("parts:2", tokens);
    }

    [Fact]
    public void Work_is_bounded_however_large_the_message()
    {
        var words = string.Join(' ', Enumerable.Range(0, 200_000).Select(i => "w" + i.ToString("x", System.Globalization.CultureInfo.InvariantCulture)));
        var tokens = SpamTokenizer.Tokenize(Parse("From: a@b.example\nSubject: big\n\n" + words + " " + new string('z', 5000)));
        Assert.True(tokens.Count <= SpamTokenizer.MaxTokens, $"{tokens.Count} tokens");
        Assert.DoesNotContain("w2ffff", tokens); // beyond the first MaxTextChars characters
        Assert.DoesNotContain(tokens, t => t.Length > 64);

        var longWord = SpamTokenizer.Tokenize(Parse("From: a@b.example\nSubject: x\n\n" + new string('q', 300)));
        Assert.Contains("skip:q300", longWord);
    }

    [Fact]
    public void Neighbouring_body_words_are_pairs_and_words_fill_the_budget_first()
    {
        var tokens = SpamTokenizer.Tokenize(Parse("""
            From: a@b.example
            Subject: Free shipping
            Content-Type: text/plain

            Click HERE for free shipping, a very-long-word and supercalifragilisticexpialidociousness too.
            """));
        Assert.Contains("pair:click here", tokens);
        Assert.Contains("pair:free shipping", tokens);
        Assert.Contains("pair:shipping very", tokens); // "a" is too short to be a word; punctuation does not break a pair
        Assert.Contains("pair:long word", tokens); // joiners split words for pairs
        Assert.Contains("pair:and too", tokens); // a word too long to keep is stepped over
        Assert.DoesNotContain(tokens, t => t.StartsWith("pair:", StringComparison.Ordinal) && t.Contains("subject", StringComparison.Ordinal));

        // A text with more distinct words than the budget keeps words, never pairs in their place.
        var words = string.Join(' ', Enumerable.Range(0, 6000).Select(i => "w" + i.ToString("x", System.Globalization.CultureInfo.InvariantCulture)));
        var full = SpamTokenizer.Tokenize(Parse("From: a@b.example\nSubject: big\n\n" + words));
        Assert.DoesNotContain(full, t => t.StartsWith("pair:", StringComparison.Ordinal));
    }

    [Fact]
    public void A_text_repeating_itself_gives_each_word_and_pair_once_and_marks_stay_in_their_word()
    {
        // Tokens are built on the stack and become strings only when new: repeats must change nothing.
        var line = "The Quick brown fox: Cafe\u0301 $100 deal! quick BROWN fox\r\n";
        var tokens = SpamTokenizer.Tokenize(Parse("From: \"Quick Fox\" <a@b.example>\nSubject: quick QUICK fox\nContent-Type: text/plain; charset=utf-8\n\n"
            + string.Concat(Enumerable.Repeat(line, 200))));
        string[] expectedWords = ["the", "quick", "brown", "fox", "cafe\u0301", "$100", "deal!"];
        Assert.Equal(expectedWords.Order(StringComparer.Ordinal), tokens.Where(t => !t.Contains(':', StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        string[] expectedPairs = ["pair:the quick", "pair:quick brown", "pair:brown fox", "pair:fox cafe\u0301", "pair:cafe\u0301 $100", "pair:$100 deal!",
            "pair:deal! quick", "pair:fox the"];
        Assert.Equal(expectedPairs.Order(StringComparer.Ordinal), tokens.Where(t => t.StartsWith("pair:", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Contains("subject:quick", tokens);
        Assert.Contains("subject:fox", tokens);
        Assert.Contains("from:quick", tokens);
        Assert.Contains("from:fox", tokens);
    }

    [Fact]
    public void The_vectorised_word_scan_gives_the_words_and_pairs_of_a_character_by_character_scan()
    {
        // Texts mixing every kind of character the scan treats apart: ASCII word characters, joiners
        // at word edges and inside, spaces and punctuation, letters and marks beyond ASCII (Turkish
        // dotted I, combining accents, CJK), non-letters beyond ASCII, surrogate pairs, long runs.
        string[] pieces = ["a", "Ab", "THE", "quick", "x1", "$5", "go!", "-", "'", ".", "--", " ", "  ", ",", ";", "\t", "\r\n", "<b>", "é", "E\u0301",
            "\u0130", "\u0131", "ß", "Ω", "\u4e2d\u6587", "\u00a0", "\u2014", "\u00bd", "\ud83d\ude00", "\ud801\udc00", "\ud800", "don't", "e-mail",
            "www.example.com", new string('w', 30), new string('Z', 24), "ÀÉÎÕÜ", "\u0300", "٣", "\u200b"];
        var random = new Random(16);
        for (var n = 0; n < 2000; n++)
        {
            var text = new StringBuilder();
            for (var k = random.Next(0, 60); k > 0; k--)
            {
                text.Append(pieces[random.Next(pieces.Length)]);
            }
            foreach (var prefix in (string[])["", "subject:"])
            {
                var words = new TokenSet();
                SpamTokenizer.Words(text.ToString(), prefix, words);
                Assert.Equal(ReferenceWords(text.ToString(), prefix).Order(StringComparer.Ordinal), words.Set.Order(StringComparer.Ordinal));
            }
            var pairs = new TokenSet();
            SpamTokenizer.Pairs(text.ToString(), pairs);
            Assert.Equal(ReferencePairs(text.ToString()).Order(StringComparer.Ordinal), pairs.Set.Order(StringComparer.Ordinal));
        }
    }

    /// <summary>The words of the scan as it was before it was vectorised: one character at a time, every word lowercased by the culture tables.</summary>
    private static HashSet<string> ReferenceWords(string text, string prefix)
    {
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        foreach (var word in ReferenceScan(text, joiners: true))
        {
            tokens.Add(word.Length > SpamTokenizer.MaxWordLength
                ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{prefix}skip:{char.ToLowerInvariant(word[0])}{word.Length / 10 * 10}")
                : prefix + word.ToLowerInvariant());
        }
        return tokens;
    }

    private static HashSet<string> ReferencePairs(string text)
    {
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        string? previous = null;
        foreach (var word in ReferenceScan(text, joiners: false).Where(w => w.Length <= SpamTokenizer.MaxWordLength))
        {
            var lower = word.ToLowerInvariant();
            if (previous is not null)
            {
                tokens.Add("pair:" + previous + " " + lower);
            }
            previous = lower;
        }
        return tokens;
    }

    private static IEnumerable<string> ReferenceScan(string text, bool joiners)
    {
        static bool IsWordChar(char c) => char.IsAscii(c)
            ? char.IsAsciiLetterOrDigit(c) || c is '$' or '!'
            : char.IsLetterOrDigit(c) || char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.NonSpacingMark;
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && !IsWordChar(text[i]))
            {
                i++;
            }
            var start = i;
            while (i < text.Length && (IsWordChar(text[i]) || (joiners && text[i] is '-' or '\'' or '.' && i + 1 < text.Length && IsWordChar(text[i + 1]))))
            {
                i++;
            }
            if (i - start >= SpamTokenizer.MinWordLength)
            {
                yield return text[start..i];
            }
        }
    }

    [Fact]
    public void Fields_a_mail_store_writes_are_not_evidence()
    {
        var tokens = SpamTokenizer.Tokenize(Parse("""
            From: a@b.example
            Subject: hello
            X-Keywords: $Junk
            X-Status: F
            Status: RO
            List-Id: <list.example>

            body
            """));
        Assert.Contains("header:list-id", tokens);
        Assert.DoesNotContain("header:x-keywords", tokens);
        Assert.DoesNotContain("header:x-status", tokens);
        Assert.DoesNotContain("header:status", tokens);
    }

    [Fact]
    public void Subject_gives_its_pairs_and_how_it_is_written()
    {
        var shouting = SpamTokenizer.Tokenize(Parse("""
            From: a@b.example
            Subject: FREE MONEY!!! Only $5

            body
            """));
        Assert.Contains("subject:pair:free money!!!", shouting); // '!' and '$' belong to a word, as in the body
        Assert.Contains("subject:pair:money!!! only", shouting);
        Assert.Contains("subject-shape:caps7", shouting); // 10 of its 13 letters are capitals
        Assert.Contains("subject-shape:bang3-4", shouting);
        Assert.Contains("subject-shape:dollar", shouting);
        Assert.Contains("subject-shape:len2", shouting); // 21 characters, in steps of 8
        Assert.DoesNotContain("pair:free money!!!", shouting); // a Subject's pair is not a body's

        var quiet = SpamTokenizer.Tokenize(Parse("""
            From: a@b.example
            Subject: minutes of the meeting

            body
            """));
        Assert.Contains("subject-shape:caps0", quiet);
        Assert.Contains("subject-shape:bang0", quiet);
        Assert.DoesNotContain("subject-shape:dollar", quiet);
        Assert.DoesNotContain("subject-shape:8bit", quiet);
    }

    [Fact]
    public void A_bare_from_address_and_the_shape_of_its_local_part_are_tokens()
    {
        var bulk = SpamTokenizer.Tokenize(Parse("""
            From: x7k2q9.mail@bulk.example
            Subject: hi

            body
            """));
        Assert.Contains("from:no-name", bulk);
        Assert.Contains("from-local-shape:a9a9a9.afa", bulk); // runs of digits, hex letters and other letters each become one character

        var person = SpamTokenizer.Tokenize(Parse("""
            From: "Jane Doe" <jane@people.example>
            Subject: hi

            body
            """));
        Assert.DoesNotContain("from:no-name", person);
        Assert.Contains(person, t => t.StartsWith("from-local-shape:", StringComparison.Ordinal));
    }

    [Fact]
    public void Received_addresses_give_their_8_16_and_24_bit_networks()
    {
        var tokens = SpamTokenizer.Tokenize(Parse("""
            Received: from relay.sender.example (relay.sender.example [203.0.113.9]) by mx.example with ESMTP
            From: a@b.example
            Subject: hi

            body
            """));
        Assert.Contains("received:203", tokens);
        Assert.Contains("received:203.0", tokens);
        Assert.Contains("received:203.0.113", tokens);
        Assert.DoesNotContain("received:203.0.113.9", tokens); // the block, not the one host
        Assert.Contains("received:sender.example", tokens);
    }
}
