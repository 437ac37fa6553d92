using System.Text;
using BenchmarkDotNet.Attributes;
using MimeKit;
using Serverless.Mail.Spam;
using Serverless.Mail.Spam.Bayes;
using Serverless.Mail.Spam.Learning;

namespace Serverless.Bench.Micro;

/// <summary>
/// The content classifier on the MX path (issue 18, target ≤ 2 ms): a 10 KiB multipart/alternative
/// message (text + HTML with links) scored against a warm tenant base and mailbox model, each
/// filled to the default token cap (80,000 tokens) — what <see cref="BayesContentClassifier"/> does
/// once its models are cached. Also with the MimeKit parse, for scale.
/// </summary>
[MemoryDiagnoser]
public class SpamClassifierBenchmarks
{
    private TokenCounts _base = null!;
    private TokenCounts _mailbox = null!;
    private MimeMessage _message = null!;
    private byte[] _bytes = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(18);
        var vocabulary = Enumerable.Range(0, 120_000).Select(i => "w" + i.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + (char)('a' + (i % 26))).ToArray();
        string Words(int n) => string.Join(' ', Enumerable.Range(0, n).Select(_ => vocabulary[(int)Math.Min(vocabulary.Length - 1, Math.Abs(random.NextDouble() * random.NextDouble()) * vocabulary.Length)]));
        _base = new TokenCounts();
        _mailbox = new TokenCounts();
        for (var m = 0; m < 2000; m++)
        {
            var tokens = SpamTokenizer.Tokenize(Build(Words(300), Words(8)));
            var hashes = BayesScoring.Hashes(tokens);
            _base.Learn(hashes, m % 2 == 0, 1);
            _base.Prune(SpamLearningOptions.DefaultMaxTokens);
            if (m % 4 == 0)
            {
                _mailbox.Learn(hashes, m % 8 == 0, 1);
                _mailbox.Prune(SpamLearningOptions.DefaultMaxTokens);
            }
        }
        _message = Build(Words(700), Words(8));
        using var stream = new MemoryStream();
        _message.WriteTo(stream);
        _bytes = stream.ToArray();
        if (_bytes.Length is < 9 * 1024 or > 12 * 1024)
        {
            throw new InvalidOperationException($"The message is {_bytes.Length} bytes, not ~10 KiB.");
        }
        Console.WriteLine($"// base: {_base}; mailbox: {_mailbox}; message {_bytes.Length} bytes");
    }

    private static MimeMessage Build(string text, string subject)
    {
        var message = new MimeMessage { Subject = subject };
        message.From.Add(new MailboxAddress("Sender Name", "sender@news.example"));
        message.To.Add(new MailboxAddress("", "user@acme.test"));
        var links = string.Concat(Enumerable.Range(0, 10).Select(i => $"<a href=\"https://l{i}.track.example/c/{i}?u=abc\">link {i}</a> "));
        var body = new BodyBuilder
        {
            TextBody = text[..Math.Min(text.Length, 4500)],
            HtmlBody = "<html><body><p>" + text[..Math.Min(text.Length, 4500)] + "</p>" + links + "</body></html>",
        };
        message.Body = body.ToMessageBody();
        return message;
    }

    [Benchmark(Description = "Tokenize a parsed 10 KiB message")]
    public int Tokenize() => SpamTokenizer.Tokenize(_message).Count;

    [Benchmark(Description = "Classify a parsed 10 KiB message, warm base + mailbox models")]
    public double Classify() => BayesScoring.Classify(_message, _base, _mailbox).SpamProbability;

    [Benchmark(Description = "Parse (MimeKit) + classify a 10 KiB message")]
    public double ParseAndClassify() => BayesScoring.Classify(MimeMessage.Load(new MemoryStream(_bytes)), _base, _mailbox).SpamProbability;
}
