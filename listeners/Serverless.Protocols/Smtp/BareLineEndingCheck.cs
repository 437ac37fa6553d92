namespace Serverless.Protocols.Smtp;

/// <summary>
/// DATA's line-ending rule for BDAT content: CR and LF may only occur as the pair CRLF
/// (RFC 5321 2.3.8; no BINARYMIME is offered). BDAT needs no end marker, but the message is relayed
/// later with DATA, so a bare "&lt;CR&gt;.&lt;CR&gt;&lt;LF&gt;" let through here could end it early at
/// the next hop and smuggle a second message (SMTP smuggling). The state carries across chunk and
/// segment boundaries: a chunk may end with the CR whose LF opens the next one.
/// </summary>
public sealed class BareLineEndingCheck
{
    private bool _pendingCr;

    /// <summary>A bare CR or LF was seen; every later call returns false.</summary>
    public bool Failed { get; private set; }

    /// <summary>The octets so far end with CRLF (every LF passed is one); false while nothing came.</summary>
    public bool EndsWithLineBreak { get; private set; }

    /// <summary>Looks at the next octets of the message; false once a bare CR or LF has been seen.</summary>
    public bool Scan(ReadOnlySpan<byte> octets)
    {
        if (Failed)
        {
            return false;
        }
        if (octets.Length > 0)
        {
            EndsWithLineBreak = octets[^1] == (byte)'\n';
        }
        var i = 0;
        if (_pendingCr && octets.Length > 0)
        {
            if (octets[0] != (byte)'\n')
            {
                return Fail();
            }
            _pendingCr = false;
            i = 1;
        }
        while (i < octets.Length)
        {
            var next = octets[i..].IndexOfAny((byte)'\r', (byte)'\n');
            if (next < 0)
            {
                break;
            }
            i += next;
            if (octets[i] == (byte)'\n')
            {
                return Fail();
            }
            if (i + 1 == octets.Length)
            {
                _pendingCr = true;
                break;
            }
            if (octets[i + 1] != (byte)'\n')
            {
                return Fail();
            }
            i += 2;
        }
        return true;
    }

    /// <summary>The message has ended (after the LAST chunk): a CR still waiting for its LF is bare.</summary>
    public bool Complete() => _pendingCr ? Fail() : !Failed;

    private bool Fail()
    {
        Failed = true;
        return false;
    }
}
