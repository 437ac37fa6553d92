using System.Buffers;

namespace Serverless.Listeners.Imap;

/// <summary>
/// Undoes quoted-printable (RFC 2045 6.7) as a stream, a chunk at a time: "=XX" escapes, soft line
/// breaks ("=" at a line's end, also when whitespace follows it), and the trailing whitespace of
/// each line removed (rule 3: it is transport padding). Malformed escapes pass through as written.
/// MimeKit's decoder keeps trailing whitespace, which BINARY (RFC 3516) must not return.
/// </summary>
internal sealed class QuotedPrintableDecodingStream(Stream source) : Stream
{
    /// <summary>Whitespace held back (it may be trailing) at most; a longer run is content.</summary>
    private const int MaxPendingWhitespace = 4096;

    private readonly byte[] _input = new byte[16 * 1024];
    private readonly ArrayBufferWriter<byte> _decoded = new(20 * 1024);
    private readonly List<byte> _whitespace = [];
    private readonly List<byte> _afterEquals = [];
    private int _served;
    private bool _ended;
    private State _state;
    private byte _high;

    private enum State
    {
        Text,
        CarriageReturn,
        Equals,
        EqualsHex,
        EqualsSpace,
        EqualsCarriageReturn,
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        while (_served == _decoded.WrittenCount && !_ended)
        {
            Consume(_input.AsSpan(0, source.Read(_input)));
        }
        return Serve(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_served == _decoded.WrittenCount && !_ended)
        {
            var n = await source.ReadAsync(_input, cancellationToken);
            Consume(_input.AsSpan(0, n));
        }
        return Serve(buffer.Span);
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            source.Dispose();
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await source.DisposeAsync();
        await base.DisposeAsync();
    }

    private int Serve(Span<byte> buffer)
    {
        var n = Math.Min(buffer.Length, _decoded.WrittenCount - _served);
        _decoded.WrittenSpan.Slice(_served, n).CopyTo(buffer);
        _served += n;
        if (_served == _decoded.WrittenCount)
        {
            _decoded.ResetWrittenCount();
            _served = 0;
        }
        return n;
    }

    /// <summary>Decodes a chunk; an empty one is the end of the content.</summary>
    private void Consume(ReadOnlySpan<byte> chunk)
    {
        if (chunk.IsEmpty)
        {
            End();
            return;
        }
        foreach (var b in chunk)
        {
            Step(b);
        }
    }

    private void Step(byte b)
    {
        switch (_state)
        {
            case State.Text:
                if (b is (byte)' ' or (byte)'\t')
                {
                    _whitespace.Add(b);
                    if (_whitespace.Count > MaxPendingWhitespace)
                    {
                        FlushWhitespace();
                    }
                }
                else if (b == '\r')
                {
                    _state = State.CarriageReturn;
                }
                else if (b == '\n')
                {
                    HardBreak();
                }
                else if (b == '=')
                {
                    _state = State.Equals;
                }
                else
                {
                    FlushWhitespace();
                    Write(b);
                }
                return;
            case State.CarriageReturn:
                _state = State.Text;
                if (b == '\n')
                {
                    HardBreak();
                    return;
                }
                FlushWhitespace();
                Write((byte)'\r'); // a bare CR is content
                Step(b);
                return;
            case State.Equals when Hex(b) >= 0:
                _high = b;
                _state = State.EqualsHex;
                return;
            case State.EqualsHex:
                FlushWhitespace();
                _state = State.Text;
                if (Hex(b) >= 0)
                {
                    Write((byte)((Hex(_high) << 4) | Hex(b)));
                    return;
                }
                Write((byte)'=');
                Write(_high);
                Step(b);
                return;
            case State.Equals or State.EqualsSpace:
                if (b is (byte)' ' or (byte)'\t' && _afterEquals.Count < MaxPendingWhitespace)
                {
                    _afterEquals.Add(b);
                    _state = State.EqualsSpace;
                }
                else if (b == '\r')
                {
                    _state = State.EqualsCarriageReturn;
                }
                else if (b == '\n')
                {
                    SoftBreak();
                }
                else
                {
                    Literal(b);
                }
                return;
            case State.EqualsCarriageReturn:
                if (b == '\n')
                {
                    SoftBreak();
                    return;
                }
                Literal((byte)'\r'); // leaves a pending CR for b to follow
                Step(b);
                return;
        }
    }

    /// <summary>"=" (and what followed it) was not an escape: it is content as written.</summary>
    private void Literal(byte next)
    {
        FlushWhitespace();
        Write((byte)'=');
        foreach (var w in _afterEquals)
        {
            Write(w);
        }
        _afterEquals.Clear();
        _state = State.Text;
        if (next != '\r')
        {
            Step(next);
        }
        else
        {
            _state = State.CarriageReturn;
        }
    }

    private void SoftBreak()
    {
        FlushWhitespace(); // whitespace before "=" is content
        _afterEquals.Clear();
        _state = State.Text;
    }

    private void HardBreak()
    {
        _whitespace.Clear(); // trailing whitespace is padding
        Write((byte)'\r');
        Write((byte)'\n');
        _state = State.Text;
    }

    private void End()
    {
        switch (_state)
        {
            case State.EqualsHex:
                FlushWhitespace();
                Write((byte)'=');
                Write(_high);
                break;
            case State.Equals or State.EqualsSpace or State.EqualsCarriageReturn:
                FlushWhitespace();
                break;
            case State.CarriageReturn:
                Write((byte)'\r');
                break;
        }
        _whitespace.Clear(); // the end of the content ends its last line
        _ended = true;
    }

    private void FlushWhitespace()
    {
        foreach (var w in _whitespace)
        {
            Write(w);
        }
        _whitespace.Clear();
    }

    private void Write(byte b)
    {
        _decoded.GetSpan(1)[0] = b;
        _decoded.Advance(1);
    }

    private static int Hex(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        _ => -1,
    };
}
