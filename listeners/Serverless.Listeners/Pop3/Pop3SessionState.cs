namespace Serverless.Listeners.Pop3;

/// <summary>RFC 1939 section 3: the states a POP3 session passes through.</summary>
[Flags]
public enum Pop3SessionState
{
    /// <summary>Before login: the client identifies itself (USER/PASS, AUTH) and may start TLS.</summary>
    Authorization = 1,

    /// <summary>Logged in with the maildrop leased: STAT, LIST, RETR, DELE, ...</summary>
    Transaction = 2,

    /// <summary>After QUIT in TRANSACTION: deleted messages are expunged, the lease released.</summary>
    Update = 4,
}
