namespace Serverless.Protocols.Imap;

/// <summary>
/// CREATE with CREATE-SPECIAL-USE (RFC 6154 3, RFC 4466 2.2).
/// <code>
/// create        = "CREATE" SP mailbox [create-params]
/// create-params = SP "(" create-param *( SP create-param) ")"
/// create-param  = "USE" SP "(" [use-attr *(SP use-attr)] ")"
/// use-attr      = "\All" / "\Archive" / "\Drafts" / "\Flagged" / "\Junk" / "\Sent" / "\Trash" / use-attr-ext
/// </code>
/// </summary>
public static class ImapCreateParser
{
    public static CreateArguments Parse(ImapArgumentReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var mailbox = r.ReadMailbox();
        var uses = new List<string>();
        if (r.TryConsume(' '))
        {
            r.Expect('(');
            do
            {
                var param = r.ReadAtom().ToUpperInvariant();
                if (param != "USE")
                {
                    throw new ImapParseException("Unknown CREATE parameter " + param);
                }
                r.ExpectSpace();
                r.Expect('(');
                while (!r.TryConsume(')'))
                {
                    if (uses.Count > 0)
                    {
                        r.ExpectSpace();
                    }
                    r.Expect('\\');
                    uses.Add("\\" + r.ReadAtom());
                }
            }
            while (r.TryConsume(' '));
            r.Expect(')');
        }
        return new CreateArguments(mailbox, uses);
    }
}
