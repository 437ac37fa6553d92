namespace Serverless.Protocols.Imap;

/// <summary>
/// THREAD arguments (RFC 5256 5).
/// <code>
/// thread     = ["UID" SP] "THREAD" SP thread-alg SP search-criteria
/// thread-alg = "ORDEREDSUBJECT" / "REFERENCES" / atom
/// search-criteria = charset 1*(SP search-key)
/// </code>
/// An algorithm not offered is a syntax error (BAD), as with an unknown sort key.
/// </summary>
public static class ImapThreadParser
{
    public static ThreadArguments Parse(ImapArgumentReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var algorithm = r.ReadAtom().ToUpperInvariant();
        if (algorithm is not ("REFERENCES" or "ORDEREDSUBJECT"))
        {
            throw new ImapParseException("Unknown threading algorithm " + algorithm);
        }
        r.ExpectSpace();
        var charset = r.ReadAstring();
        r.ExpectSpace();
        return new ThreadArguments(algorithm, charset, ImapSearchParser.ReadCriteria(r));
    }
}
