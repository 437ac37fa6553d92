using System.Buffers;

namespace Serverless.Protocols.Pop3;

/// <summary>
/// Byte-stuffs a message for a multi-line response while it streams past in chunks of any size:
/// every line that starts with "." gets one more "." in front (RFC 1939 section 3), and
/// <see cref="Complete"/> ends the response with "CRLF . CRLF". Only state carried across chunks
/// is whether the last byte written ended a line. A bare LF also starts a new line here, so a
/// stray LF in a stored message can never let a client see a premature terminator.
/// <code>
/// multi-line-body = *(stuffed-line) "." CRLF
/// stuffed-line    = ["."] line                 ; "." added iff line starts with "."
/// </code>
/// </summary>
public sealed class Pop3DotStuffer
{
    private bool _atLineStart = true;

    /// <summary>Bytes handed to <see cref="Write"/> so far (the unstuffed message octets).</summary>
    public long MessageOctets { get; private set; }

    /// <summary>Writes <paramref name="chunk"/> stuffed to <paramref name="output"/>.</summary>
    public void Write(ReadOnlySpan<byte> chunk, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (chunk.IsEmpty)
        {
            return;
        }
        MessageOctets += chunk.Length;
        if (_atLineStart && chunk[0] == (byte)'.')
        {
            output.Write("."u8);
        }
        while (true)
        {
            // Every other line start is right after an LF: find the next "\n." in one vectorised search.
            var hit = chunk.IndexOf("\n."u8);
            if (hit < 0)
            {
                output.Write(chunk);
                _atLineStart = chunk[^1] == (byte)'\n';
                return;
            }
            output.Write(chunk[..(hit + 1)]);
            output.Write("."u8);
            chunk = chunk[(hit + 1)..];
        }
    }

    /// <summary>Ends the response: CRLF first if the message did not end with a line break, then ".".</summary>
    public void Complete(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!_atLineStart)
        {
            output.Write("\r\n"u8);
        }
        output.Write(".\r\n"u8);
        _atLineStart = true;
    }
}
