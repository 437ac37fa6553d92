namespace Serverless.Mail.Migration.Files;

/// <summary>
/// Reads a stream line by line, each line with its own ending (LF or CRLF, kept as it was), so a
/// message goes through mbox framing byte for byte. A line is valid until the next call. Lines have
/// no length limit of their own: callers bound the message, not the line.
/// </summary>
internal sealed class MailLineReader(Stream stream, int bufferSize = 64 * 1024)
{
    private byte[] _buffer = new byte[bufferSize];
    private int _start;
    private int _end;
    private bool _eof;

    /// <summary>Bytes handed out so far (the position of the next line in the stream, counted from where reading began).</summary>
    public long Consumed { get; private set; }

    /// <summary>The next line with its ending (the last line may have none), or empty at the end of the stream.</summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReadLineAsync(CancellationToken cancellationToken)
    {
        var scanFrom = _start;
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', scanFrom, _end - scanFrom);
            if (newline >= 0)
            {
                return Take(newline + 1);
            }
            if (_eof)
            {
                return Take(_end);
            }
            scanFrom = _end;
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                scanFrom -= _start;
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
            var n = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                _eof = true;
            }
            _end += n;
        }
    }

    private ReadOnlyMemory<byte> Take(int until)
    {
        var line = _buffer.AsMemory(_start, until - _start);
        Consumed += line.Length;
        _start = until;
        return line;
    }
}
