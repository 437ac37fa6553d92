namespace Serverless.Mail.Spam.Bayes;

/// <summary>
/// Gary Robinson's method as SpamBayes and bogofilter use it: each token's spam probability is
/// f(w) = (s·x + n·p(w)) / (s + n), where p(w) compares how often it appeared in spam and in ham
/// (as a share of each) and s, x pull rarely seen tokens toward "unknown"; the up to
/// <see cref="MaxDiscriminators"/> tokens furthest from 0.5 (at least <see cref="MinimumStrength"/>
/// away) are combined by Fisher's chi-square method, once for spamminess and once for hamminess,
/// giving I = (S − H + 1) / 2. Unlike a naive Bayes product this says 0.5 when the evidence is
/// mixed, instead of flipping to 0 or 1.
/// </summary>
public static class ChiSquareCombiner
{
    /// <summary>
    /// Robinson's s: the weight of the prior for a token seen n times. SpamBayes' default is 0.45;
    /// 0.2 lets a token seen in only a few learnt messages speak (a sender's own words and hosts,
    /// which is what tells a newsletter the user wants from spam in the same words), and with 30
    /// clues it misfiled about half as much ham at the same spam caught on the public corpus
    /// (bench/README.md, issue 18).
    /// </summary>
    public const double UnknownWordStrength = 0.2;

    /// <summary>Robinson's x: the probability assumed for a token never seen.</summary>
    public const double UnknownWordProbability = 0.5;

    public const double MinimumStrength = 0.1;

    /// <summary>
    /// SpamBayes keeps 150; with word pairs a message offers about twice the clues, most of them the
    /// same phrase counted again, so a promotional newsletter piles up spam clues. 30 misfiled less
    /// hard ham on the public corpus at the same spam caught than 50 or 150 (bench/README.md, issue 18).
    /// </summary>
    public const int MaxDiscriminators = 30;

    /// <summary>A token the models know: its text (for the verdict's strongest tokens), and its counts in both scopes summed (the base's scaled, so not whole).</summary>
    public readonly record struct TokenEvidence(string Token, double Spam, double Ham);

    public static double TokenProbability(double spam, double ham, int spamMessages, int hamMessages)
    {
        var spamRatio = spam / Math.Max(spamMessages, 1);
        var hamRatio = ham / Math.Max(hamMessages, 1);
        var total = spamRatio + hamRatio;
        var p = total == 0 ? UnknownWordProbability : spamRatio / total;
        var n = spam + ham;
        return ((UnknownWordStrength * UnknownWordProbability) + (n * p)) / (UnknownWordStrength + n);
    }

    /// <summary>The message's spam probability and the tokens that decided it, strongest first.</summary>
    public static ContentVerdict Combine(IEnumerable<TokenEvidence> tokens, int spamMessages, int hamMessages, int strongest = 8)
    {
        var clues = new List<(double F, string Token)>();
        foreach (var t in tokens)
        {
            var f = TokenProbability(t.Spam, t.Ham, spamMessages, hamMessages);
            if (Math.Abs(f - 0.5) >= MinimumStrength)
            {
                clues.Add((f, t.Token));
            }
        }
        if (clues.Count == 0)
        {
            return new ContentVerdict(0.5, 0, []);
        }
        clues.Sort((a, b) => Math.Abs(b.F - 0.5).CompareTo(Math.Abs(a.F - 0.5)) is var c and not 0 ? c : string.CompareOrdinal(a.Token, b.Token));
        if (clues.Count > MaxDiscriminators)
        {
            clues.RemoveRange(MaxDiscriminators, clues.Count - MaxDiscriminators);
        }
        // Sums of logarithms rather than products: 150 factors near 0 would underflow a double.
        double lnSpam = 0, lnHam = 0;
        foreach (var (f, _) in clues)
        {
            lnSpam += Math.Log(1 - f);
            lnHam += Math.Log(f);
        }
        var n = clues.Count;
        var s = 1 - Chi2Q(-2 * lnSpam, 2 * n);
        var h = 1 - Chi2Q(-2 * lnHam, 2 * n);
        var probability = (s - h + 1) / 2;
        return new ContentVerdict(probability, n, clues.Take(strongest).Select(c => c.Token).ToList());
    }

    /// <summary>P(χ² ≥ x²) for <paramref name="v"/> (even) degrees of freedom: the series form SpamBayes uses.</summary>
    public static double Chi2Q(double x2, int v)
    {
        var m = x2 / 2;
        var term = Math.Exp(-m);
        var sum = term;
        for (var i = 1; i < v / 2; i++)
        {
            term *= m / i;
            sum += term;
        }
        return Math.Min(sum, 1.0);
    }
}
