using Serverless.Protocols.Imap;
using Xunit;

namespace Serverless.Protocols.Tests.Imap;

/// <summary>RFC 5256 THREAD algorithms on small folders whose answers are worked out by hand.</summary>
public sealed class ImapThreadingTests
{
    private static readonly DateTimeOffset Day = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ThreadMessage M(long n, string? id, string refs, string subject, int hour)
    {
        var (key, marked) = ImapBaseSubject.Extract(subject);
        return new ThreadMessage(n, id, ImapThreading.MessageIds(refs), key, marked, Day.AddHours(hour));
    }

    /// <summary>
    /// 1 starts "Hello", 2 and 3 answer it, 4 answers 2; 5 and 9 are unrelated messages both
    /// titled "Other" and 8 a reply by subject only; 6 and 7 refer to a message not in the folder.
    /// </summary>
    private static readonly ThreadMessage[] Folder =
    [
        M(1, "a@x", "", "Hello", 1),
        M(2, "b@x", "<a@x>", "Re: Hello", 2),
        M(3, "c@x", "<a@x>", "Re: Hello", 3),
        M(4, "d@x", "<a@x> <b@x>", "Re: Hello", 4),
        M(5, "e@x", "", "Other", 5),
        M(6, "f@x", "<gone@x>", "Lost", 6),
        M(7, "g@x", "<gone@x>", "Re: Lost", 7),
        M(8, "h@x", "", "Re: Other", 8),
        M(9, "i@x", "", "Other", 9),
    ];

    [Fact]
    public void References_links_by_ids_keeps_a_dummy_for_missing_parents_and_gathers_subjects()
    {
        Assert.Equal("(1 (2 4)(3))((5 8)(9))((6)(7))", ImapThreading.Format(ImapThreading.References(Folder)));
    }

    [Fact]
    public void Ordered_subject_groups_by_base_subject_under_the_first_message()
    {
        Assert.Equal("(1 (2)(3)(4))(5 (8)(9))(6 7)", ImapThreading.Format(ImapThreading.OrderedSubject(Folder)));
    }

    [Fact]
    public void Siblings_and_threads_are_ordered_by_sent_date_not_by_number()
    {
        ThreadMessage[] folder = [M(1, "a@x", "", "Late", 9), M(2, "b@x", "<a@x>", "Re: Late", 11), M(3, "c@x", "<a@x>", "Re: Late", 10), M(4, "d@x", "", "Early", 1)];
        Assert.Equal("(4)(1 (3)(2))", ImapThreading.Format(ImapThreading.References(folder)));
    }

    [Fact]
    public void Duplicate_or_missing_message_ids_and_loops_do_not_merge_or_hang()
    {
        ThreadMessage[] folder =
        [
            M(1, "a@x", "<b@x>", "One", 1),
            M(2, "b@x", "<a@x>", "Two", 2), // a loop: b would be a's parent and child
            M(3, "a@x", "", "Three", 3),   // duplicate id: a message of its own
            M(4, null, "<a@x>", "Four", 4),
        ];
        Assert.Equal("(2 1 4)(3)", ImapThreading.Format(ImapThreading.References(folder)));
    }

    [Fact]
    public void A_messages_own_references_break_an_older_link_even_when_the_new_one_would_loop()
    {
        // imaptest's "thread": b's references make c (not yet seen) a's child and b's parent; c's own
        // references name b as its parent, which would loop — c leaves a and stays b's parent (Dovecot).
        ThreadMessage[] folder = [M(1, "a@b", "", "", 17), M(2, "b@b", "<a@b> <c@b>", "", 15), M(3, "c@b", "<b@b>", "", 16)];
        Assert.Equal("(3 2)(1)", ImapThreading.Format(ImapThreading.References(folder)));
    }

    [Fact]
    public void In_reply_to_alone_links_and_truncated_references_are_repaired_by_the_last_reference()
    {
        ThreadMessage[] folder = [M(1, "a@x", "", "A", 1), M(2, "b@x", "<a@x>", "Re: A", 2), M(3, "c@x", "<b@x>", "Re: A", 3)];
        Assert.Equal("(1 2 3)", ImapThreading.Format(ImapThreading.References(folder)));
    }

    [Fact]
    public void A_chain_of_100000_messages_is_formatted_without_deep_recursion()
    {
        var folder = Enumerable.Range(1, 100_000).Select(i => M(i, "m" + i, i == 1 ? "" : "<m" + (i - 1) + ">", "Re: x", i)).ToArray();
        var data = ImapThreading.Format(ImapThreading.References(folder));
        Assert.StartsWith("(1 2 3 ", data, StringComparison.Ordinal);
        Assert.EndsWith(" 100000)", data, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_folder_has_no_threads()
    {
        Assert.Equal("", ImapThreading.Format(ImapThreading.References([])));
        Assert.Equal("", ImapThreading.Format(ImapThreading.OrderedSubject([])));
    }

    [Fact]
    public void Message_ids_are_taken_from_angle_brackets()
    {
        Assert.Equal(["a@x", "b@y"], ImapThreading.MessageIds(" <a@x>\t<b@y> junk <>"));
        Assert.Empty(ImapThreading.MessageIds(null));
    }
}
