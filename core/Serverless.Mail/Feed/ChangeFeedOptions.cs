namespace Serverless.Mail.Feed;

/// <summary>The change feed from index writers to listeners (section <c>Mail:ChangeFeed</c>; env <c>Mail__ChangeFeed__...</c>).</summary>
public sealed class ChangeFeedOptions
{
    public const string Section = "Mail:ChangeFeed";

    /// <summary>Writers publish and listeners follow the feed. Off: idle clients learn of other processes' writes only by <c>Mail:Imap:IdlePollInterval</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The shortest time between two feed transactions of one process. The first entry after a
    /// pause goes out at once; entries published within this time of the last write wait for its end
    /// and share one transaction. Readers poll every <see cref="ActivePollInterval"/> at best, so a
    /// write every few milliseconds bought nothing: under ten IMAP clients writing to one folder the
    /// feed was one transaction per index write (40 % of imaptest's storage requests). Zero: no wait.
    /// </summary>
    public TimeSpan MinWriteInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How often a listener process reads the feed while it is quiet: one query per interval (per shard), whatever the number of connections.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often it reads while the feed is busy: for <see cref="ActiveFor"/> after a read that
    /// brought another process's entry. Mail rarely comes alone (a conversation, a flag set on a
    /// phone and seen on a laptop), so the next change after one is found sooner, at up to
    /// 1 / this many queries a second while changes keep coming; a quiet feed costs <see cref="PollInterval"/>'s rate.
    /// Set it to <see cref="PollInterval"/> to read at one pace.
    /// </summary>
    public TimeSpan ActivePollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long after the last entry from another process the tail keeps reading at <see cref="ActivePollInterval"/>.</summary>
    public TimeSpan ActiveFor { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A listener process whose MX (or submission) has just queued an inbound hand-off reads at
    /// <see cref="ActivePollInterval"/> from then on (<see cref="ChangeFeedReader.Expect"/>): the
    /// message will be filed by the ingest in another process and come back on the feed within
    /// the queue poll. The dev host turns it off where it runs the ingest itself (its sessions are told in-process).
    /// </summary>
    public bool ExpectAfterHandoff { get; set; } = true;

    /// <summary>
    /// How far back each read reaches behind the last one. Entries carry their writer's clock, and a
    /// write in flight may commit after a read that started later; the overlap covers both (clock
    /// skew between hosts plus the longest write), at the price of re-reading that many seconds of entries.
    /// </summary>
    public TimeSpan Overlap { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Partitions per day's table. One partition takes ~2,000 entries a second in Azure; each shard costs readers one more query per interval.</summary>
    public int Shards { get; set; } = 1;

    /// <summary>Daily tables older than this many days are deleted by the daily <c>IndexUpkeep</c> timer (one request each).</summary>
    public int RetentionDays { get; set; } = 2;
}
