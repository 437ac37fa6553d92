namespace Serverless.Listeners.Imap;

/// <summary>The CAPABILITY list for the session's situation (TLS, login allowed, logged in).</summary>
internal static class ImapCapabilities
{
    private const string Common = "IMAP4rev1 LITERAL+ ID ENABLE IDLE NAMESPACE UNSELECT CHILDREN LIST-EXTENDED LIST-STATUS SPECIAL-USE UIDPLUS MOVE CONDSTORE QRESYNC QUOTA ESEARCH SORT SORT=DISPLAY THREAD=REFERENCES THREAD=ORDEREDSUBJECT STATUS=SIZE CREATE-SPECIAL-USE WITHIN OBJECTID MULTIAPPEND";

    // RFC 4978 and RFC 5465 (issue 17's NOTIFY/COMPRESS part).
    private const string Notifications = " NOTIFY COMPRESS=DEFLATE";

    /// <summary>RFC 5267 (ESORT, CONTEXT=SEARCH, CONTEXT=SORT), RFC 8514 SAVEDATE, RFC 3516 BINARY.</summary>
    private const string ContextSaveDateBinary = " ESORT CONTEXT=SEARCH CONTEXT=SORT SAVEDATE BINARY";

    /// <summary>RFC 9051 next to IMAP4rev1 (a client opts in with ENABLE IMAP4rev2), and RFC 5182, which IMAP4rev2 folds in.</summary>
    private const string Rev2 = " IMAP4rev2 SEARCHRES";

    /// <summary>RFC 4469 CATENATE, RFC 4467 URLAUTH, RFC 5524 URLAUTH=BINARY.</summary>
    private const string CatenateUrlAuth = " CATENATE URLAUTH URLAUTH=BINARY";

    public static string For(ImapSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        // RFC 7889: one limit for every folder, so it is announced with the capabilities.
        var common = Common + Rev2 + Notifications + ContextSaveDateBinary + CatenateUrlAuth + " APPENDLIMIT=" + session.Services.Options.MaxAppendSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (session.State.Kind != ImapStates.NotAuthenticated)
        {
            return common;
        }
        var parts = common;
        if (session.CanStartTls)
        {
            parts += " STARTTLS";
        }
        // RFC 3501 6.2.3 / 7.2.1: no plaintext login without TLS (except the loopback dev setting).
        parts += session.LoginAllowed ? " SASL-IR AUTH=PLAIN" : " LOGINDISABLED";
        return parts;
    }
}
