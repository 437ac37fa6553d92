using System.Globalization;
using Serverless.Mail.Index;
using Serverless.Mail.Messages;

namespace Serverless.Listeners.Pop3;

/// <summary>
/// The maildrop of one session: INBOX as it was at login (RFC 1939 numbers messages 1..n for the
/// whole session, so later deliveries are not shown until the next login), plus the session's
/// deletion marks. Nothing here touches storage; QUIT applies the marks.
/// </summary>
internal sealed class Pop3Maildrop
{
    private readonly Pop3MaildropMessage[] _messages;
    private readonly bool[] _deleted;
    private readonly bool[] _retrieved;

    public Pop3Maildrop(string mailboxId, long uidValidity, IReadOnlyList<Pop3MaildropMessage> messages)
    {
        MailboxId = mailboxId;
        UidValidity = uidValidity;
        _messages = [.. messages];
        _deleted = new bool[_messages.Length];
        _retrieved = new bool[_messages.Length];
        Count = _messages.Length;
        Octets = _messages.Sum(m => m.Size);
    }

    public string MailboxId { get; }

    public long UidValidity { get; }

    /// <summary>Messages not marked deleted.</summary>
    public int Count { get; private set; }

    /// <summary>Octets of the messages not marked deleted.</summary>
    public long Octets { get; private set; }

    /// <summary>Message numbers 1..Total, deleted ones included.</summary>
    public int Total => _messages.Length;

    public Pop3MessageLookup Find(int number, out Pop3MaildropMessage message)
    {
        message = default;
        if (number < 1 || number > _messages.Length)
        {
            return Pop3MessageLookup.NoSuchMessage;
        }
        if (_deleted[number - 1])
        {
            return Pop3MessageLookup.Deleted;
        }
        message = _messages[number - 1];
        return Pop3MessageLookup.Found;
    }

    /// <summary>Undeleted messages with their numbers, in order.</summary>
    public IEnumerable<(int Number, Pop3MaildropMessage Message)> Listing()
    {
        for (var i = 0; i < _messages.Length; i++)
        {
            if (!_deleted[i])
            {
                yield return (i + 1, _messages[i]);
            }
        }
    }

    public void MarkDeleted(int number)
    {
        if (!_deleted[number - 1])
        {
            _deleted[number - 1] = true;
            Count--;
            Octets -= _messages[number - 1].Size;
        }
    }

    public void MarkRetrieved(int number) => _retrieved[number - 1] = true;

    /// <summary>RSET: unmark every deleted message.</summary>
    public void Reset()
    {
        Array.Clear(_deleted);
        Count = _messages.Length;
        Octets = _messages.Sum(m => m.Size);
    }

    public IReadOnlyList<long> DeletedUids() =>
        _messages.Where((_, i) => _deleted[i]).Select(m => m.Uid).ToList();

    /// <summary>Messages sent whole by RETR that are kept and not yet \Seen: IMAP shows them as read after QUIT.</summary>
    public IReadOnlyList<long> RetrievedUnseenUids() =>
        _messages.Where((m, i) => _retrieved[i] && !_deleted[i] && !m.Seen).Select(m => m.Uid).ToList();

    /// <summary>
    /// RFC 1939 section 7 UIDL: stable across sessions, 1 to 70 characters 0x21..0x7E. UIDVALIDITY
    /// and UID in hex, as Dovecot does: a UID is never reused while UIDVALIDITY stays the same.
    /// </summary>
    public string UniqueId(in Pop3MaildropMessage message) =>
        UidValidity.ToString("X8", CultureInfo.InvariantCulture) + message.Uid.ToString("X8", CultureInfo.InvariantCulture);
}

/// <param name="Source">Where its bytes are: a blob, or the message row for a message kept there (<see cref="MessageSource"/>).</param>
internal readonly record struct Pop3MaildropMessage(long Uid, long Size, MessageSource Source, bool Seen);

internal enum Pop3MessageLookup
{
    Found,
    NoSuchMessage,
    Deleted,
}
