using System.Text;

namespace Serverless.Protocols.Imap;

/// <summary>
/// Parses a framed command into an <see cref="ImapCommand"/>. Pure: no I/O, no state.
/// <code>
/// command         = tag SP (command-any / command-auth / command-nonauth / command-select) CRLF
/// command-any     = "CAPABILITY" / "LOGOUT" / "NOOP" / x-command / id / enable
/// command-auth    = append / create / delete / examine / list / lsub / rename / select / status /
///                   subscribe / unsubscribe / idle / namespace / getquota / getquotaroot / setquota
/// command-nonauth = login / authenticate / "STARTTLS"
/// command-select  = "CHECK" / "CLOSE" / "UNSELECT" / "EXPUNGE" / copy / move / fetch / store / uid / search /
///                   sort / thread                                                 ; RFC 5256
/// command-auth    =/ notify / compress                                            ; RFC 5465, RFC 4978
/// command-auth    =/ genurlauth / resetkey / urlfetch                             ; RFC 4467, RFC 5524
/// uid             = "UID" SP (copy / move / fetch / search / store / uid-expunge / sort / thread)
/// </code>
/// </summary>
public static class ImapCommandParser
{
    private static readonly HashSet<string> NoArgumentCommands = new(StringComparer.Ordinal)
    {
        "CAPABILITY", "LOGOUT", "NOOP", "STARTTLS", "CHECK", "CLOSE", "UNSELECT", "IDLE", "NAMESPACE",
    };

    private static readonly HashSet<string> KnownCommands = new(StringComparer.Ordinal)
    {
        "CAPABILITY", "LOGOUT", "NOOP", "STARTTLS", "CHECK", "CLOSE", "UNSELECT", "IDLE", "NAMESPACE", "EXPUNGE",
        "LOGIN", "AUTHENTICATE", "SELECT", "EXAMINE", "CREATE", "DELETE", "SUBSCRIBE", "UNSUBSCRIBE", "RENAME",
        "LIST", "LSUB", "STATUS", "APPEND", "FETCH", "STORE", "SEARCH", "COPY", "MOVE", "ENABLE", "ID",
        "GETQUOTA", "GETQUOTAROOT", "SETQUOTA", "SORT", "THREAD",
        "NOTIFY", "COMPRESS",
        "CANCELUPDATE",
        "GENURLAUTH", "RESETKEY", "URLFETCH",
    };

    /// <summary>Parses a whole command. Throws <see cref="ImapParseException"/> for anything not in the grammar.</summary>
    public static ImapCommand Parse(ImapFrame frame) => Parse(frame, utf8MailboxNames: false);

    /// <summary>As <see cref="Parse(ImapFrame)"/>; <paramref name="utf8MailboxNames"/> once IMAP4rev2 is enabled (RFC 9051 5.1).</summary>
    public static ImapCommand Parse(ImapFrame frame, bool utf8MailboxNames)
    {
        var r = new ImapArgumentReader(frame) { Utf8MailboxNames = utf8MailboxNames };
        var tag = ReadTag(r);
        r.ExpectSpace();
        var name = r.ReadAtom().ToUpperInvariant();
        var uid = false;
        if (name == "UID")
        {
            r.ExpectSpace();
            name = r.ReadAtom().ToUpperInvariant();
            if (name is not ("FETCH" or "STORE" or "SEARCH" or "COPY" or "MOVE" or "EXPUNGE" or "SORT" or "THREAD"))
            {
                throw new ImapParseException("Unknown UID command");
            }
            uid = true;
        }
        if (!uid && !KnownCommands.Contains(name))
        {
            throw new ImapParseException("Unknown command");
        }
        ImapArguments args;
        if (NoArgumentCommands.Contains(name) || (name == "EXPUNGE" && !uid))
        {
            args = name == "EXPUNGE" ? new ExpungeArguments(null) : NoArguments.Instance;
        }
        else if (name == "RESETKEY")
        {
            args = ImapUrlAuthParser.ParseResetKey(r); // RFC 4467: the mailbox is optional
        }
        else
        {
            r.ExpectSpace();
            args = name switch
            {
                "LOGIN" => ParseLogin(r),
                "AUTHENTICATE" => ParseAuthenticate(r),
                "SELECT" or "EXAMINE" => ParseSelect(r),
                "CREATE" => ImapCreateParser.Parse(r),
                "DELETE" or "SUBSCRIBE" or "UNSUBSCRIBE" => new MailboxArguments(r.ReadMailbox()),
                "RENAME" => ParseRename(r),
                "LIST" => ImapListParser.ParseList(r),
                "LSUB" => ImapListParser.ParseLsub(r),
                "STATUS" => ParseStatus(r),
                "APPEND" => ImapAppendParser.Parse(r),
                "FETCH" => ImapFetchParser.Parse(r),
                "STORE" => ParseStore(r),
                "SEARCH" => ImapSearchParser.Parse(r),
                "SORT" => ImapSortParser.Parse(r),
                "THREAD" => ImapThreadParser.Parse(r),
                "COPY" or "MOVE" => ParseCopy(r),
                "EXPUNGE" => new ExpungeArguments(r.ReadSequenceSet()),
                "ENABLE" => ParseEnable(r),
                "ID" => ParseId(r),
                "GETQUOTAROOT" => new MailboxArguments(r.ReadMailbox()),
                "GETQUOTA" => new QuotaRootArguments(r.ReadAstring()),
                "SETQUOTA" => ParseSetQuota(r),
                "NOTIFY" => ImapNotifyParser.Parse(r),
                "COMPRESS" => new CompressArguments(r.ReadAtom().ToUpperInvariant()),
                "CANCELUPDATE" => ParseCancelUpdate(r),
                "GENURLAUTH" => ImapUrlAuthParser.ParseGenUrlAuth(r),
                "URLFETCH" => ImapUrlAuthParser.ParseUrlFetch(r),
                _ => throw new ImapParseException("Unknown command"),
            };
        }
        r.ExpectEnd();
        return new ImapCommand(tag, name, args) { Uid = uid };
    }

    /// <summary>
    /// RFC 2087 / 9208 SETQUOTA (parsed so it can be refused politely; quotas are the operator's).
    /// <code>
    /// setquota      = "SETQUOTA" SP quota-root-name SP setquota-list
    /// setquota-list = "(" [setquota-resource *(SP setquota-resource)] ")"
    /// setquota-resource = resource-name SP resource-limit   ; atom SP number64
    /// </code>
    /// </summary>
    private static QuotaRootArguments ParseSetQuota(ImapArgumentReader r)
    {
        var root = r.ReadAstring();
        r.ExpectSpace();
        r.Expect('(');
        if (!r.TryConsume(')'))
        {
            do
            {
                r.ReadAtom();
                r.ExpectSpace();
                r.ReadNumber();
            }
            while (r.TryConsume(' '));
            r.Expect(')');
        }
        return new QuotaRootArguments(root);
    }

    /// <summary>
    /// RFC 5267 4.3 CANCELUPDATE.
    /// <code>
    /// cancelupdate = "CANCELUPDATE" 1*(SP quoted)
    /// </code>
    /// </summary>
    private static CancelUpdateArguments ParseCancelUpdate(ImapArgumentReader r)
    {
        var tags = new List<string> { r.ReadAstring() };
        while (r.TryConsume(' '))
        {
            if (tags.Count >= 100)
            {
                throw new ImapParseException("Too many tags");
            }
            tags.Add(r.ReadAstring());
        }
        return new CancelUpdateArguments(tags);
    }

    /// <summary>The tag, command name and UID prefix of a command in progress (null if not readable yet).</summary>
    public static (string Tag, string Name, bool Uid)? PeekHead(IReadOnlyList<ImapFrameSegment> partial)
    {
        ArgumentNullException.ThrowIfNull(partial);
        if (partial.Count == 0 || partial[0].Kind != ImapSegmentKind.Text)
        {
            return null;
        }
        var line = Encoding.ASCII.GetString(partial[0].Data.Span);
        var words = line.Split(' ', 4);
        if (words.Length < 2 || ImapCommandFramer.TagOf(partial[0].Data.Span) is not { } tag)
        {
            return null;
        }
        var name = words[1].ToUpperInvariant();
        if (name == "UID" && words.Length > 2)
        {
            return (tag, words[2].ToUpperInvariant(), true);
        }
        return (tag, name, false);
    }

    /// <summary>
    /// If the literal just announced is the message of an APPEND (the command so far reads
    /// <c>tag APPEND mailbox [flags] [date-time] {n}</c>), returns the parts before it; null otherwise.
    /// Lets the session check the mailbox and size before it sends "+" and streams the message.
    /// </summary>
    public static (string Tag, string Mailbox, IReadOnlyList<string> Flags, DateTimeOffset? Date, bool Catenate)? TryParseAppendPrefix(IReadOnlyList<ImapFrameSegment> partial)
    {
        ArgumentNullException.ThrowIfNull(partial);
        // The frame so far ends with the announcing line; pretend the literal is there to read up to it.
        var frame = new ImapFrame([.. partial, new ImapFrameSegment(ImapSegmentKind.External, ReadOnlyMemory<byte>.Empty, "probe"), new ImapFrameSegment(ImapSegmentKind.Text, ReadOnlyMemory<byte>.Empty)]);
        try
        {
            var r = new ImapArgumentReader(frame);
            var tag = ReadTag(r);
            r.ExpectSpace();
            if (!r.TryConsumeKeyword("APPEND"))
            {
                return null;
            }
            r.ExpectSpace();
            return ImapAppendParser.ReadUpTo(r, "probe") is { } read ? (tag, read.Mailbox, read.Flags, read.Date, read.Catenate) : null;
        }
        catch (ImapParseException)
        {
            return null;
        }
    }

    /// <summary>tag = 1*&lt;any ASTRING-CHAR except "+"&gt;</summary>
    private static string ReadTag(ImapArgumentReader r)
    {
        var tag = r.ReadWhile(ImapChars.IsTagChar, "a tag");
        if (tag.Length > 64)
        {
            throw new ImapParseException("Tag too long");
        }
        return tag;
    }

    /// <summary>
    /// login    = "LOGIN" SP userid SP password
    /// userid   = astring
    /// password = astring
    /// </summary>
    private static LoginArguments ParseLogin(ImapArgumentReader r)
    {
        var user = r.ReadAstring();
        r.ExpectSpace();
        var password = r.ReadAstring();
        return new LoginArguments(user, password);
    }

    /// <summary>
    /// authenticate  = "AUTHENTICATE" SP auth-type [SP (base64 / "=")]   ; SASL-IR, RFC 4959
    /// auth-type     = atom
    /// </summary>
    private static AuthenticateArguments ParseAuthenticate(ImapArgumentReader r)
    {
        var mechanism = r.ReadAtom().ToUpperInvariant();
        string? initial = null;
        if (r.TryConsume(' '))
        {
            initial = r.ReadWhile(c => char.IsAsciiLetterOrDigit((char)c) || c is (byte)'+' or (byte)'/' or (byte)'=', "base64");
        }
        return new AuthenticateArguments(mechanism, initial);
    }

    /// <summary>
    /// select          = "SELECT" SP mailbox [select-params]
    /// examine         = "EXAMINE" SP mailbox [select-params]
    /// select-params   = SP "(" select-param *(SP select-param) ")"
    /// select-param    = "CONDSTORE" / "QRESYNC" SP "(" uidvalidity SP mod-sequence-value
    ///                   [SP known-uids] [SP seq-match-data] ")"              ; RFC 7162
    /// known-uids      = sequence-set
    /// seq-match-data  = "(" known-sequence-set SP known-uid-set ")"
    /// </summary>
    private static SelectArguments ParseSelect(ImapArgumentReader r)
    {
        var mailbox = r.ReadMailbox();
        var condStore = false;
        QResyncParameters? qresync = null;
        if (r.TryConsume(' '))
        {
            r.Expect('(');
            do
            {
                var p = r.ReadAtom().ToUpperInvariant();
                switch (p)
                {
                    case "CONDSTORE":
                        condStore = true;
                        break;
                    case "QRESYNC":
                        r.ExpectSpace();
                        qresync = ReadQResync(r);
                        break;
                    default:
                        throw new ImapParseException("Unknown SELECT parameter " + p);
                }
            }
            while (r.TryConsume(' '));
            r.Expect(')');
        }
        return new SelectArguments(mailbox, condStore) { QResync = qresync };
    }

    private static QResyncParameters ReadQResync(ImapArgumentReader r)
    {
        r.Expect('(');
        var uidValidity = r.ReadNzNumber();
        r.ExpectSpace();
        var modSeq = r.ReadNumber();
        SequenceSet? known = null;
        if (r.TryConsume(' '))
        {
            if (r.Peek() != '(')
            {
                known = r.ReadSequenceSet();
                r.TryConsume(' ');
            }
            if (r.TryConsume('('))
            {
                // seq-match-data only helps servers that forget expunges; the change log does not.
                r.ReadSequenceSet();
                r.ExpectSpace();
                r.ReadSequenceSet();
                r.Expect(')');
            }
        }
        r.Expect(')');
        return new QResyncParameters(uidValidity, modSeq, known);
    }

    /// <summary>rename = "RENAME" SP mailbox SP mailbox</summary>
    private static RenameArguments ParseRename(ImapArgumentReader r)
    {
        var from = r.ReadMailbox();
        r.ExpectSpace();
        return new RenameArguments(from, r.ReadMailbox());
    }

    /// <summary>
    /// status     = "STATUS" SP mailbox SP "(" status-att *(SP status-att) ")"
    /// status-att = "MESSAGES" / "RECENT" / "UIDNEXT" / "UIDVALIDITY" / "UNSEEN" / "HIGHESTMODSEQ"
    /// </summary>
    private static StatusArguments ParseStatus(ImapArgumentReader r)
    {
        var mailbox = r.ReadMailbox();
        r.ExpectSpace();
        return new StatusArguments(mailbox, ReadStatusItems(r));
    }

    internal static List<string> ReadStatusItems(ImapArgumentReader r)
    {
        r.Expect('(');
        var items = new List<string>();
        do
        {
            var item = r.ReadAtom().ToUpperInvariant();
            // SIZE: RFC 8438 (STATUS=SIZE); APPENDLIMIT: RFC 7889; MAILBOXID: RFC 8474; DELETED: RFC 9051.
            if (item is not ("MESSAGES" or "RECENT" or "UIDNEXT" or "UIDVALIDITY" or "UNSEEN" or "HIGHESTMODSEQ" or "SIZE" or "APPENDLIMIT" or "MAILBOXID" or "DELETED"))
            {
                throw new ImapParseException("Unknown STATUS item " + item);
            }
            items.Add(item);
        }
        while (r.TryConsume(' '));
        r.Expect(')');
        return items;
    }

    /// <summary>
    /// store           = "STORE" SP sequence-set [store-modifiers] SP store-att-flags
    /// store-modifiers = SP "(" "UNCHANGEDSINCE" SP mod-sequence-valzer ")"      ; RFC 7162
    /// store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))
    /// </summary>
    private static StoreArguments ParseStore(ImapArgumentReader r)
    {
        var set = r.ReadSequenceSet();
        r.ExpectSpace();
        long? unchangedSince = null;
        if (r.TryConsume('('))
        {
            if (!r.TryConsumeKeyword("UNCHANGEDSINCE"))
            {
                throw new ImapParseException("Unknown STORE modifier");
            }
            r.ExpectSpace();
            unchangedSince = r.ReadNumber();
            r.Expect(')');
            r.ExpectSpace();
        }
        var mode = r.TryConsume('+') ? StoreMode.Add : r.TryConsume('-') ? StoreMode.Remove : StoreMode.Replace;
        bool silent;
        if (r.TryConsumeKeyword("FLAGS.SILENT"))
        {
            silent = true;
        }
        else if (r.TryConsumeKeyword("FLAGS"))
        {
            silent = false;
        }
        else
        {
            throw new ImapParseException("Expected FLAGS, +FLAGS or -FLAGS");
        }
        r.ExpectSpace();
        List<string> flags;
        if (r.Peek() == '(')
        {
            flags = r.ReadFlagList();
        }
        else
        {
            flags = [r.ReadFlag()];
            while (r.TryConsume(' '))
            {
                flags.Add(r.ReadFlag());
            }
        }
        if (flags.Contains(ImapFlags.Recent))
        {
            throw new ImapParseException("\\Recent cannot be stored");
        }
        return new StoreArguments(set, mode, silent, flags) { UnchangedSince = unchangedSince };
    }

    /// <summary>
    /// copy = "COPY" SP sequence-set SP mailbox
    /// move = "MOVE" SP sequence-set SP mailbox                                   ; RFC 6851
    /// </summary>
    private static CopyArguments ParseCopy(ImapArgumentReader r)
    {
        var set = r.ReadSequenceSet();
        r.ExpectSpace();
        return new CopyArguments(set, r.ReadMailbox());
    }

    /// <summary>enable = "ENABLE" 1*(SP capability)                               ; RFC 5161</summary>
    private static EnableArguments ParseEnable(ImapArgumentReader r)
    {
        var caps = new List<string> { r.ReadAtom().ToUpperInvariant() };
        while (r.TryConsume(' '))
        {
            caps.Add(r.ReadAtom().ToUpperInvariant());
        }
        return new EnableArguments(caps);
    }

    /// <summary>
    /// id             = "ID" SP id-params-list                                    ; RFC 2971
    /// id-params-list = "(" *(string SP nstring) ")" / nil
    ///     ; at most 30 pairs, fields of at most 30 octets, values of at most 1024 (RFC 2971 3.3)
    /// </summary>
    private static IdArguments ParseId(ImapArgumentReader r)
    {
        if (r.TryConsumeKeyword("NIL"))
        {
            return new IdArguments(null);
        }
        r.Expect('(');
        var fields = new List<KeyValuePair<string, string?>>();
        while (!r.TryConsume(')'))
        {
            if (fields.Count > 0)
            {
                r.ExpectSpace();
            }
            if (fields.Count >= 30)
            {
                throw new ImapParseException("Too many ID fields");
            }
            var key = r.ReadString();
            r.ExpectSpace();
            var value = r.ReadNString();
            // RFC 2971 3.3: fields of at most 30 octets, values of at most 1024; what lets the framer
            // allow ID a longer line than other commands before login (ImapLimits.MaxIdCommandLength).
            if (System.Text.Encoding.UTF8.GetByteCount(key) > 30 || (value is not null && System.Text.Encoding.UTF8.GetByteCount(value) > 1024))
            {
                throw new ImapParseException("ID field or value too long (RFC 2971)");
            }
            fields.Add(new(key, value));
        }
        return new IdArguments(fields);
    }
}
