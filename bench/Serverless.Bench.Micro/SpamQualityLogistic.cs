using System.Globalization;
using MimeKit;
using Serverless.Mail.Spam.Bayes;

namespace Serverless.Bench.Micro;

/// <summary>
/// Issue 18, 2026-12-05 (bench/README.md, "a discriminative model"): online logistic regression
/// beside the Bayesian model, as the TREC spam tracks' LR filters did — binary features (the tokens
/// <see cref="SpamTokenizer"/> makes, keyed by their 32-bit hash, optionally with character 4-grams
/// of the message's first 3,000 bytes), SGD on log loss, optionally only on messages not yet beyond
/// a margin ("thick threshold"). Trained in the split's learning order (all spam, then all ham, as
/// the end-to-end run teaches) or with shuffled replay passes over the learnt set, then every test
/// message scored. SPAM_QUALITY_LR=prefix writes each variant's scores (log-odds) to
/// prefix.&lt;variant&gt; ("spam|ham score" a line) and the Bayes probabilities to prefix.bayes;
/// scripts/spam-quality-lr.py judges them across splits, alone and averaged with Bayes' log-odds.
/// SPAM_QUALITY_LR_VARIANTS names the variants (<see cref="Variant.Parse"/>), SPAM_QUALITY_LR_DROP
/// the header fields "toks4g"/"only4g" leave out of their 4-grams (comma-separated, a trailing '-'
/// for a prefix). Diagnostics only: nothing here is in the service.
/// </summary>
internal static class SpamQualityLogistic
{
    /// <summary>One message's features: token hashes, and the 4-gram hashes of each <see cref="GramSource"/>.</summary>
    private sealed record Features(uint[] Tokens, uint[] Grams, uint[] BodyGrams, uint[] SenderGrams);

    public static void Run(string prefix, List<(string File, bool Spam)> lessons, List<string> testSpam, List<string> testHam,
        List<double> bayesSpam, List<double> bayesHam, Func<string, MimeMessage> load)
    {
        Features Of(string f) => new([.. BayesScoring.Hashes(SpamTokenizer.Tokenize(load(f)))], Grams(f, GramSource.Raw), Grams(f, GramSource.Body), Grams(f, GramSource.SenderFields));
        var learnt = lessons.Select(l => (Features: Of(l.File), l.Spam)).ToList();
        var spamF = testSpam.Select(Of).ToList();
        var hamF = testHam.Select(Of).ToList();
        File.WriteAllLines(prefix + ".bayes", bayesSpam.Select(p => "spam " + p.ToString("R", CultureInfo.InvariantCulture))
            .Concat(bayesHam.Select(p => "ham " + p.ToString("R", CultureInfo.InvariantCulture))));
        var variants = (Environment.GetEnvironmentVariable("SPAM_QUALITY_LR_VARIANTS") ?? "toks4g-online@eta=0.01+norm=0+margin=1,toks4g-replay10@eta=0.01+norm=0+margin=1,toks4g-shuf10@eta=0.01+norm=0+margin=1").Split(',');
        foreach (var variant in variants)
        {
            var v = Variant.Parse(variant);
            var model = new Logistic(v.Eta, v.Margin, v.Normalise, v.L2);
            var sequence = learnt;
            for (var epoch = 0; epoch < v.Epochs; epoch++)
            {
                if (epoch > 0 || v.ShuffleFirst)
                {
                    // Later passes replay the learnt set in a fixed shuffled order: what a service holding each
                    // learnt message's features could do after a learning request.
                    sequence = [.. learnt];
                    new Random(epoch + 1).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(sequence));
                }
                foreach (var (features, spam) in sequence)
                {
                    for (var step = 0; step < v.Steps; step++)
                    {
                        if (!model.Train(v.Select(features), spam))
                        {
                            break;
                        }
                    }
                }
            }
            var ss = spamF.Select(f => model.Score(v.Select(f))).ToList();
            var hs = hamF.Select(f => model.Score(v.Select(f))).ToList();
            File.WriteAllLines(prefix + "." + variant, ss.Select(s => "spam " + s.ToString("R", CultureInfo.InvariantCulture))
                .Concat(hs.Select(s => "ham " + s.ToString("R", CultureInfo.InvariantCulture))));
            Console.WriteLine($"lr {variant}: {model.NonZero} weights, {model.Updates} updates");
            if (v.Grams is not null)
            {
                Console.WriteLine($"lr {variant} strongest 4-grams: " + string.Join(" ", model.Strongest(GramText.Keys, 30).Select(x => string.Create(CultureInfo.InvariantCulture, $"[{GramText[x.Hash]}]{x.Weight:+0.00;-0.00}"))));
            }
            if (v.Grams is { } kind)
            {
                // What scoring adds to the Bayes classification of a parsed message: this kind's 4-grams of the
                // stored bytes (file read included, as the service would read the blob's start) and a lookup per feature.
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var n = 0;
                foreach (var (f, tokens) in testSpam.Zip(spamF).Take(300).Concat(testHam.Zip(hamF).Take(300)))
                {
                    var grams = Grams(f, kind == GramSource.Only ? GramSource.SenderFields : kind);
                    _ = model.Score(v.Select(new Features(tokens.Tokens, grams, grams, grams)));
                    n++;
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"lr {variant}: 4-grams + score {clock.Elapsed.TotalMilliseconds / n:F3} ms/message"));
            }
        }
    }

    /// <summary>
    /// A variant's name: the features — "tok" (tokens), "tok4g" (and 4-grams of the raw first 3,000
    /// bytes), "tokb4g" (of the body's), "toks4g" (of the header fields but trace and mail-store ones,
    /// then the body), "only4g" (those 4-grams, no tokens); the passes — "-online" (one, in learning
    /// order), "-replayN" (N: the first in learning order, the rest shuffled), "-shufN" (N shuffled);
    /// options after '@', joined by '+': eta= (learning rate, 0.5), margin= (thick threshold; 100 =
    /// every message teaches), steps= (SGD steps per message while inside the margin, 1), norm=0
    /// (features 1 instead of 1/√n), l2= (lazy L2 decay).
    /// </summary>
    private sealed record Variant(GramSource? Grams, int Epochs, bool ShuffleFirst, double Eta, double Margin, int Steps, bool Normalise, double L2)
    {
        public static Variant Parse(string name)
        {
            var (head, options) = name.Split('@') is var p && p.Length > 1 ? (p[0], p[1]) : (name, "");
            var grams = head.StartsWith("tok4g", StringComparison.Ordinal) ? GramSource.Raw : head.StartsWith("tokb4g", StringComparison.Ordinal) ? GramSource.Body
                : head.StartsWith("toks4g", StringComparison.Ordinal) ? GramSource.SenderFields : head.StartsWith("only4g", StringComparison.Ordinal) ? GramSource.Only : (GramSource?)null;
            var epochs = head.Contains("-replay", StringComparison.Ordinal) ? int.Parse(head[(head.IndexOf("-replay", StringComparison.Ordinal) + 7)..], CultureInfo.InvariantCulture)
                : head.Contains("-shuf", StringComparison.Ordinal) ? int.Parse(head[(head.IndexOf("-shuf", StringComparison.Ordinal) + 5)..], CultureInfo.InvariantCulture) : 1;
            var o = options.Split('+', StringSplitOptions.RemoveEmptyEntries).Select(x => x.Split('=')).ToDictionary(x => x[0], x => double.Parse(x[1], CultureInfo.InvariantCulture));
            return new(grams, epochs, head.Contains("-shuf", StringComparison.Ordinal), o.GetValueOrDefault("eta", 0.5), o.GetValueOrDefault("margin", 100), (int)o.GetValueOrDefault("steps", 1), o.GetValueOrDefault("norm", 1) != 0, o.GetValueOrDefault("l2", 0));
        }

        public IEnumerable<uint> Select(Features f) => Grams switch
        {
            GramSource.Raw => f.Tokens.Concat(f.Grams),
            GramSource.Body => f.Tokens.Concat(f.BodyGrams),
            GramSource.SenderFields => f.Tokens.Concat(f.SenderGrams),
            GramSource.Only => f.SenderGrams,
            _ => f.Tokens,
        };
    }

    /// <summary>Logistic regression, SGD on log loss; with a margin, a message already scored beyond it on its side teaches nothing (thick threshold).</summary>
    private sealed class Logistic(double eta, double margin, bool normalise, double l2)
    {
        private readonly Dictionary<uint, float> _w = [];
        private double _bias;

        public int Updates { get; private set; }

        public int NonZero => _w.Count;

        public IEnumerable<(uint Hash, float Weight)> Strongest(IEnumerable<uint> among, int n) =>
            among.Where(_w.ContainsKey).Select(h => (h, _w[h])).OrderByDescending(x => Math.Abs(x.Item2)).Take(n);

        public double Score(IEnumerable<uint> features)
        {
            var list = features as IList<uint> ?? [.. features];
            var scale = normalise ? 1 / Math.Sqrt(Math.Max(1, list.Count)) : 1;
            double s = 0;
            foreach (var h in list)
            {
                s += _w.GetValueOrDefault(h);
            }
            return _bias + (s * scale);
        }

        public bool Train(IEnumerable<uint> features, bool spam)
        {
            var list = features as IList<uint> ?? [.. features];
            var score = Score(list);
            var y = spam ? 1 : -1;
            if (y * score >= margin)
            {
                return false;
            }
            var p = 1 / (1 + Math.Exp(-score));
            var g = eta * ((spam ? 1 : 0) - p);
            var scale = normalise ? 1 / Math.Sqrt(Math.Max(1, list.Count)) : 1;
            foreach (var h in list)
            {
                // Lazy L2: a weight shrinks only when its feature is seen (enough to damp rare-feature memorising).
                var w = _w.GetValueOrDefault(h);
                _w[h] = (float)((w * (1 - (eta * l2))) + (g * scale));
            }
            _bias += g * 0.1;
            Updates++;
            return true;
        }
    }

    /// <summary>Where 4-grams are taken: the raw first bytes; the body only; header fields other than trace and mail-store fields, then the body; those alone (no tokens).</summary>
    private enum GramSource { Raw, Body, SenderFields, Only }

    /// <summary>The text of each 4-gram hash seen (for the strongest weights' listing).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<uint, string> GramText = new();

    /// <summary>
    /// Left out of the "sender" 4-grams: the hops' trace fields (on the public corpus they are its collectors' — Delivered-To,
    /// Received — and separate its classes by how they were collected; in the service they would include our own verdict),
    /// the mail stores' state fields, and To/Cc (the corpus's anonymised "zzzz" addresses). SPAM_QUALITY_LR_DROP replaces the list.
    /// </summary>
    private static readonly string[] TraceFields = Environment.GetEnvironmentVariable("SPAM_QUALITY_LR_DROP")?.Split(',') ?? ["received", "return-path", "delivered-to", "x-original-to", "envelope-to", "x-spam-", "authentication-results",
        "x-quality-id", "status", "x-status", "x-keywords", "x-uid", "x-imap", "content-length", "lines", "x-mozilla-", "x-evolution", "x-loop", "errors-to", "to", "cc"];

    /// <summary>Hashes of the overlapping 4-byte strings of the message's first 3,000 bytes (mbox From line skipped, CR dropped), deduplicated.</summary>
    private static uint[] Grams(string path, GramSource source)
    {
        var bytes = File.ReadAllBytes(path);
        var start = bytes.AsSpan().StartsWith("From "u8) ? bytes.AsSpan().IndexOf((byte)'\n') + 1 : 0;
        var all = new List<byte>(bytes.Length);
        for (var i = start; i < bytes.Length; i++)
        {
            if (bytes[i] != '\r')
            {
                all.Add(bytes[i]);
            }
        }
        var raw = all.ToArray();
        var headerEnd = raw.AsSpan().IndexOf("\n\n"u8) is var e and >= 0 ? e + 2 : raw.Length;
        var text = new List<byte>(3000);
        if (source == GramSource.Raw)
        {
            text.AddRange(raw.Take(3000));
        }
        else
        {
            if (source is GramSource.SenderFields or GramSource.Only)
            {
                // Unfolded field by field: a field's lines go (or stay) together.
                var fieldStart = 0;
                for (var i = 0; i <= headerEnd - 1 && i < raw.Length; i++)
                {
                    if (raw[i] == '\n' && (i + 1 >= headerEnd || (raw[i + 1] != ' ' && raw[i + 1] != '\t')))
                    {
                        var field = raw.AsSpan(fieldStart, i + 1 - fieldStart);
                        var name = System.Text.Encoding.Latin1.GetString(field[..Math.Max(0, field.IndexOf((byte)':'))]).Trim().ToLowerInvariant();
                        if (name.Length > 0 && !TraceFields.Any(t => t.EndsWith('-') ? name.StartsWith(t, StringComparison.Ordinal) : name == t))
                        {
                            text.AddRange(field.ToArray());
                        }
                        fieldStart = i + 1;
                    }
                }
            }
            text.AddRange(raw.Skip(headerEnd).Take(3000));
            if (text.Count > 3000)
            {
                text.RemoveRange(3000, text.Count - 3000);
            }
        }
        var set = new HashSet<uint>();
        for (var i = 0; i + 4 <= text.Count; i++)
        {
            // FNV-1a over a "4g" tag and the four bytes: never equal to a token's hash by design of the prefix.
            ulong h = 14695981039346656037UL;
            foreach (var c in "4g:")
            {
                h = (h ^ c) * 1099511628211UL;
            }
            for (var j = 0; j < 4; j++)
            {
                h = (h ^ text[i + j]) * 1099511628211UL;
            }
            var key = (uint)(h ^ (h >> 32));
            set.Add(key);
            GramText.TryAdd(key, System.Text.Encoding.Latin1.GetString([text[i], text[i + 1], text[i + 2], text[i + 3]]).Replace("\n", "\\n", StringComparison.Ordinal));
        }
        return [.. set];
    }
}
