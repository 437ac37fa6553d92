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

    /// <summary>
    /// An IMAP-appended message (APPEND, CATENATE) of at most this many bytes is kept in its message
    /// row (binary <c>Raw0</c>… properties) and no blob is written: APPEND is one table transaction
    /// instead of a blob put and a transaction, and EXPUNGE one transaction with nothing to release.
    /// 64 KiB (two binary properties of at most 64,000 bytes) keeps the row far under Azure's 1 MiB
    /// entity with its summary, and a group commit of many coalesced appends within the 4 MiB
    /// transaction (base64 on the wire). 0 turns it off. At most <see cref="MaxInlineMessageBytes"/>.
    /// </summary>
    public int InlineMessageBytes { get; set; } = 64 * 1024;

    /// <summary>The most a row can carry: 15 binary properties, leaving room for the row's other columns under 1 MiB.</summary>
    public const int MaxInlineMessageBytes = 15 * InlineChunkBytes;

    /// <summary>Bytes per binary property of a row-kept message (Azure: a property holds at most 64 KiB).</summary>
    public const int InlineChunkBytes = 64_000;

    /// <summary><see cref="InlineMessageBytes"/> within what a row can carry.</summary>
    public int EffectiveInlineMessageBytes() => Math.Clamp(InlineMessageBytes, 0, MaxInlineMessageBytes);
}
