using System.Globalization;
using System.Text;

namespace Serverless.Mail.Spam;

/// <summary>What a tenant does with a message, by its thresholds and lists.</summary>
public enum SpamAction
{
    Deliver,
    Junk,
    Reject,
}

/// <summary>
/// One message's score, the tests that fired and each recipient tenant's action. The MX refuses the
/// message only when every recipient's tenant would (<see cref="Reject"/>); otherwise a tenant whose
/// action is Junk or Reject gets its copies filed into Junk (<see cref="JunkFor"/>).
/// </summary>
public sealed record SpamVerdict(double Score, double Required, IReadOnlyList<SpamTest> Tests, IReadOnlyDictionary<string, SpamAction> Tenants)
{
    /// <summary>Every recipient's tenant refuses it.</summary>
    public bool Reject => Tenants.Count > 0 && Tenants.Values.All(a => a == SpamAction.Reject);

    /// <summary>The first recipient's tenant files it into Junk (what X-Spam-Status says).</summary>
    public bool Spam { get; init; }

    public bool JunkFor(string? tenantId) => tenantId is not null && Tenants.TryGetValue(tenantId, out var a) && a != SpamAction.Deliver;

    /// <summary>
    /// The fields put in front of the stored message, SpamAssassin's form:
    /// <code>
    /// X-Spam-Score: 7.3
    /// X-Spam-Status: Yes, score=7.3 required=5.0 tests=BAYES_99,RDNS_NONE
    /// </code>
    /// </summary>
    public byte[] Header
    {
        get
        {
            var score = Format(Score);
            var sb = new StringBuilder(128);
            sb.Append("X-Spam-Score: ").Append(score).Append("\r\n");
            sb.Append("X-Spam-Status: ").Append(Spam ? "Yes" : "No").Append(", score=").Append(score).Append(" required=").Append(Format(Required)).Append(" tests=");
            var line = sb.Length - sb.ToString().LastIndexOf('\n') - 1;
            var names = Tests.Select(t => t.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (names.Count == 0)
            {
                sb.Append("none");
            }
            for (var i = 0; i < names.Count; i++)
            {
                var piece = names[i] + (i < names.Count - 1 ? "," : "");
                if (i > 0 && line + piece.Length > 76)
                {
                    sb.Append("\r\n\t"); // folded (RFC 5322 2.2.3) between tests
                    line = 1;
                }
                sb.Append(piece);
                line += piece.Length;
            }
            sb.Append("\r\n");
            return Encoding.ASCII.GetBytes(sb.ToString());
        }
    }

    private static string Format(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);
}
