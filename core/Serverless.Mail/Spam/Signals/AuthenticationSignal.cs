using Serverless.Mail.Delivery.Authentication;

namespace Serverless.Mail.Spam.Signals;

/// <summary>
/// The sender checks already made (<see cref="MessageAuthenticator"/>) as scores: failures add,
/// passes subtract a little (a passing domain is accountable, not necessarily good — the reputation
/// signal says how good). A DMARC quarantine/reject failure already files into Junk by itself; it
/// still adds its weight here so the score shows it.
/// </summary>
public sealed class AuthenticationSignal(SpamOptions options) : IMessageSignal
{
    public Task<IReadOnlyList<SpamTest>> CheckAsync(SpamSubject subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        return Task.FromResult(subject.Authentication is { } verdict ? Check(verdict) : (IReadOnlyList<SpamTest>)[]);
    }

    public IReadOnlyList<SpamTest> Check(AuthenticationVerdict verdict)
    {
        ArgumentNullException.ThrowIfNull(verdict);
        var tests = new List<SpamTest>();
        switch (verdict.Spf)
        {
            case SpfResult.Fail:
                Add(tests, "SPF_FAIL", 3);
                break;
            case SpfResult.SoftFail:
                Add(tests, "SPF_SOFTFAIL", 1);
                break;
            case SpfResult.Pass:
                Add(tests, "SPF_PASS", -0.5);
                break;
        }
        if (verdict.Dkim.Any(d => d.Result == "pass"))
        {
            Add(tests, "DKIM_VALID", -0.5);
        }
        else if (verdict.Dkim.Any(d => d.Result is "fail" or "permerror"))
        {
            Add(tests, "DKIM_INVALID", 1);
        }
        switch (verdict.Dmarc.Result)
        {
            case "pass":
                Add(tests, "DMARC_PASS", -1);
                break;
            case "fail" when verdict.Dmarc.WantsQuarantine:
                Add(tests, "DMARC_FAIL_QUARANTINE", 5);
                break;
            case "fail":
                Add(tests, "DMARC_FAIL", 2);
                break;
        }
        if (verdict.Arc == "pass")
        {
            Add(tests, "ARC_VALID", -0.5);
        }
        else if (verdict.Arc == "fail")
        {
            Add(tests, "ARC_INVALID", 0.5);
        }
        return tests;
    }

    private void Add(List<SpamTest> tests, string name, double builtIn) => tests.AddRange(options.Fired(name, builtIn));
}
