namespace Serverless.Mail.Index;

/// <summary>Retention and paging of the mailbox index (section <c>Mail:Index</c>; env <c>Mail__Index__...</c>).</summary>
public sealed class IndexOptions
{
    public const string Section = "Mail:Index";

    /// <summary>
    /// How long change-log rows (c|…) are kept. Older ones are pruned by the daily <c>IndexUpkeep</c>
    /// timer; a client resynchronising from before that gets VANISHED (EARLIER) from the UIDs that
    /// exist instead of from the log (RFC 7162 3.2.5.2).
    /// </summary>
    public TimeSpan ChangeLogRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long dedupe rows (d|…) are kept: longer than a hand-off can come back (redelivery within
    /// minutes, an operator's poison replay within days). A hand-off replayed after this may be filed twice.
    /// </summary>
    public TimeSpan DedupeRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Rows per query page when the change log is read (QRESYNC, CHANGEDSINCE … VANISHED, view refresh).</summary>
    public int ChangeLogPageSize { get; set; } = 1000;
}
