namespace Serverless.Protocols.Imap;

/// <summary>Which mailboxes an event group of NOTIFY SET is about (RFC 5465 6).</summary>
public enum NotifyFilter
{
    Selected,
    SelectedDelayed,
    Inboxes,
    Personal,
    Subscribed,
    Subtree,
    Mailboxes,
}

/// <summary>One event group: the mailboxes, the events (canonical names; unknown ones as sent) and MessageNew's FETCH items.</summary>
public sealed record NotifyGroup(NotifyFilter Filter, IReadOnlyList<string> Mailboxes, IReadOnlyList<string> Events, IReadOnlyList<FetchItem> NewMessageItems)
{
    public bool Has(string eventName) => Events.Contains(eventName, StringComparer.Ordinal);

    public bool HasMessageEvents => Has(NotifyEvents.MessageNew) || Has(NotifyEvents.MessageExpunge) || Has(NotifyEvents.FlagChange);
}

/// <summary>NOTIFY NONE (<see cref="Groups"/> empty, <see cref="None"/> set) or NOTIFY SET [STATUS] groups.</summary>
public sealed record NotifyArguments(bool None, bool Status, IReadOnlyList<NotifyGroup> Groups) : ImapArguments;

/// <summary>The event names of RFC 5465 5, spelled as the RFC spells them.</summary>
public static class NotifyEvents
{
    public const string MessageNew = "MessageNew";
    public const string MessageExpunge = "MessageExpunge";
    public const string FlagChange = "FlagChange";
    public const string AnnotationChange = "AnnotationChange";
    public const string MailboxName = "MailboxName";
    public const string SubscriptionChange = "SubscriptionChange";
    public const string MailboxMetadataChange = "MailboxMetadataChange";
    public const string ServerMetadataChange = "ServerMetadataChange";

    private static readonly string[] Known =
        [MessageNew, MessageExpunge, FlagChange, AnnotationChange, MailboxName, SubscriptionChange, MailboxMetadataChange, ServerMetadataChange];

    /// <summary>The canonical spelling of a known event, or the name as sent (event-ext).</summary>
    public static string Canonical(string name) =>
        Array.Find(Known, k => k.Equals(name, StringComparison.OrdinalIgnoreCase)) ?? name;
}

/// <summary>
/// RFC 5465 8 NOTIFY.
/// <code>
/// notify           = "NOTIFY" SP (notify-set / notify-none)
/// notify-set       = "SET" [status-indicator] SP event-groups
/// status-indicator = SP "STATUS"
/// notify-none      = "NONE"
/// event-groups     = event-group *(SP event-group)
/// event-group      = "(" filter-mailboxes SP events ")"
/// filter-mailboxes = "selected" / "selected-delayed" / "inboxes" / "personal" / "subscribed" /
///                    ( "subtree" SP one-or-more-mailbox ) / ( "mailboxes" SP one-or-more-mailbox )
/// one-or-more-mailbox = mailbox / "(" mailbox *(SP mailbox) ")"
/// events           = ( "(" event *(SP event) ")" ) / "NONE"
/// event            = ( "MessageNew" [SP "(" fetch-att *(SP fetch-att) ")" ] ) / "MessageExpunge" /
///                    "FlagChange" / "AnnotationChange" / "MailboxName" / "SubscriptionChange" /
///                    "MailboxMetadataChange" / "ServerMetadataChange" / atom   ; event-ext
/// </code>
/// </summary>
public static class ImapNotifyParser
{
    private const int MaxGroups = 64;
    private const int MaxMailboxes = 1000;
    private const int MaxEvents = 32;

    public static NotifyArguments Parse(ImapArgumentReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (r.TryConsumeKeyword("NONE"))
        {
            return new NotifyArguments(true, false, []);
        }
        if (!r.TryConsumeKeyword("SET"))
        {
            throw new ImapParseException("Expected SET or NONE");
        }
        r.ExpectSpace();
        var status = r.TryConsumeKeyword("STATUS");
        if (status)
        {
            r.ExpectSpace();
        }
        var groups = new List<NotifyGroup>();
        var mailboxes = 0;
        do
        {
            if (groups.Count >= MaxGroups)
            {
                throw new ImapParseException("Too many event groups");
            }
            var group = ReadGroup(r);
            mailboxes += group.Mailboxes.Count;
            if (mailboxes > MaxMailboxes)
            {
                throw new ImapParseException("Too many mailboxes");
            }
            groups.Add(group);
        }
        while (r.TryConsume(' '));
        // RFC 5465 6.1: one selected mailbox specifier at most.
        if (groups.Count(g => g.Filter is NotifyFilter.Selected or NotifyFilter.SelectedDelayed) > 1)
        {
            throw new ImapParseException("SELECTED or SELECTED-DELAYED may be given once");
        }
        return new NotifyArguments(false, status, groups);
    }

    private static NotifyGroup ReadGroup(ImapArgumentReader r)
    {
        r.Expect('(');
        var filterName = r.ReadAtom().ToUpperInvariant();
        var filter = filterName switch
        {
            "SELECTED" => NotifyFilter.Selected,
            "SELECTED-DELAYED" => NotifyFilter.SelectedDelayed,
            "INBOXES" => NotifyFilter.Inboxes,
            "PERSONAL" => NotifyFilter.Personal,
            "SUBSCRIBED" => NotifyFilter.Subscribed,
            "SUBTREE" => NotifyFilter.Subtree,
            "MAILBOXES" => NotifyFilter.Mailboxes,
            _ => throw new ImapParseException("Unknown mailbox filter " + filterName),
        };
        var mailboxes = new List<string>();
        if (filter is NotifyFilter.Subtree or NotifyFilter.Mailboxes)
        {
            r.ExpectSpace();
            if (r.TryConsume('('))
            {
                do
                {
                    mailboxes.Add(r.ReadMailbox());
                }
                while (r.TryConsume(' '));
                r.Expect(')');
            }
            else
            {
                mailboxes.Add(r.ReadMailbox());
            }
        }
        r.ExpectSpace();
        var events = new List<string>();
        var fetch = new List<FetchItem>();
        if (!r.TryConsumeKeyword("NONE"))
        {
            r.Expect('(');
            do
            {
                if (events.Count >= MaxEvents)
                {
                    throw new ImapParseException("Too many events");
                }
                var name = NotifyEvents.Canonical(r.ReadAtom());
                if (name == NotifyEvents.MessageNew && r.Peek() == ' ' && r.Peek(1) == '(')
                {
                    r.ExpectSpace();
                    r.Expect('(');
                    do
                    {
                        fetch.Add(ImapFetchParser.ReadItem(r));
                    }
                    while (r.TryConsume(' '));
                    r.Expect(')');
                }
                if (!events.Contains(name, StringComparer.Ordinal))
                {
                    events.Add(name);
                }
            }
            while (r.TryConsume(' '));
            r.Expect(')');
        }
        r.Expect(')');
        return new NotifyGroup(filter, mailboxes, events, fetch);
    }
}
