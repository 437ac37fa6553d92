using System.Buffers;
using System.Text;

namespace Serverless.Mail.Delivery.Authentication;

/// <summary>
/// Removes the Authentication-Results fields that claim our authserv-id from a received message's
/// header section. RFC 8601 section 5: a border MTA MUST delete or rename such fields before
/// delivery, or readers that trust our authserv-id would believe a sender's own "dkim=pass"; fields
/// of other authserv-ids are kept. Every <c>X-Spam-*</c> field goes too (X-Spam-Score, X-Spam-Status, X-Spam-Flag…):
/// those names are our spam verdict's, and one written by the sender would be read as ours. Recognised (RFC 8601 2.2, RFC 5322 3.2.2 and 4.5.3, RFC 2045 5.1):
/// <code>
/// authres-header = "Authentication-Results:" [CFWS] authserv-id ...   ; field name case-insensitive
/// field-name     = 1*ftext  then  *WSP ":"                             ; obs-optional allows WSP before ":"
/// CFWS           = WSP / folding CRLF WSP / comment (nested, with quoted-pairs)
/// authserv-id    = value = token / quoted-string                      ; compared case-insensitively
/// </code>
/// Removed rather than renamed to X-Forged-Authentication-Results: a renamed field still carries the
/// forger's "dkim=pass" text for filters that match on it, and removal needs no buffering of the
/// dropped field (OpenDKIM/OpenDMARC remove too).
/// <para>
/// Incremental and pure: feed chunks of any size to <see cref="Filter"/>; it stops after the empty
/// line that ends the header section, and the caller passes the body through itself, byte for byte.
/// Only the start of a field is held, until its name and authserv-id are known, and at most
/// <see cref="MaxHeldField"/> bytes of it, so memory stays bounded whatever the input: an
/// Authentication-Results field whose authserv-id is still unknown past that is removed.
/// </para>
/// </summary>
public sealed class ForgedAuthenticationResultsFilter
{
    public const int DefaultMaxHeldField = 8 * 1024;

    private const byte Cr = (byte)'\r';
    private const byte Lf = (byte)'\n';
    private static readonly byte[] FieldName = "authentication-results"u8.ToArray();
    private static readonly byte[] SpamPrefix = "x-spam-"u8.ToArray();

    private readonly byte[] _authservId;
    private readonly int _maxHeld;
    private byte[] _held = new byte[InitialHeld];
    private int _heldLength;
    private Line _line = Line.Start;
    private Mode _mode = Mode.Pass;
    private Prefix _prefix;
    private int _matched;
    private int _commentDepth;
    private bool _authName;
    private bool _spamName;
    private bool _spamField;

    public ForgedAuthenticationResultsFilter(string authservId, int maxHeldField = DefaultMaxHeldField)
    {
        ArgumentException.ThrowIfNullOrEmpty(authservId);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxHeldField, 64);
        _authservId = Encoding.UTF8.GetBytes(authservId.ToLowerInvariant());
        _maxHeld = maxHeldField;
    }

    /// <summary>
    /// What is held at first: a field's start is held only until its name (and an
    /// Authentication-Results field's authserv-id) is known, a few dozen bytes in real mail, so the
    /// buffer grows towards <see cref="MaxHeldField"/> only for a field that needs it; a filter is made
    /// for every received message.
    /// </summary>
    private const int InitialHeld = 256;

    public int MaxHeldField => _maxHeld;

    /// <summary>True once the empty line ending the header section (or the end of the message) was seen.</summary>
    public bool HeaderComplete { get; private set; }

    /// <summary>How many fields were removed so far.</summary>
    public int RemovedFields { get; private set; }

    private enum Line
    {
        Start,
        StartAfterCr, // a CR at the start of a line: the empty line, if LF follows
        Inside,
    }

    private enum Mode
    {
        Pass,
        Hold,
        Drop,
    }

    private enum Prefix
    {
        Name,
        SpaceBeforeColon,
        Cfws,
        Comment,
        CommentEscape,
        Token,
        Quoted,
        QuotedEscape,
    }

    private enum Decision
    {
        Continue,
        Pass,
        Drop,
    }

    /// <summary>
    /// Writes the filtered form of <paramref name="input"/> to <paramref name="output"/> (a field start
    /// may be held back for the next call). Returns the bytes consumed: all of them, unless the header
    /// section ended inside the input; the rest is body, for the caller to pass on unchanged.
    /// </summary>
    public int Filter(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (HeaderComplete)
        {
            return 0;
        }
        var run = new Run(); // input bytes passed on unchanged, written in one go
        for (var i = 0; i < input.Length; i++)
        {
            var b = input[i];
            if (_line == Line.StartAfterCr)
            {
                run.Flush(input, output);
                output.Write([Cr]);
                if (b == Lf)
                {
                    run.Emit(input, i, output);
                    run.Flush(input, output);
                    HeaderComplete = true;
                    return i + 1;
                }
                // A line starting with a lone CR is no field we know: pass it on.
                _mode = Mode.Pass;
                _line = Line.Inside;
            }
            else if (_line == Line.Start)
            {
                if (b is not ((byte)' ' or (byte)'\t'))
                {
                    // Not a continuation line: the previous field is complete.
                    run.Flush(input, output);
                    EndField(output);
                    if (b == Cr)
                    {
                        _line = Line.StartAfterCr;
                        continue;
                    }
                    if (b == Lf)
                    {
                        run.Emit(input, i, output);
                        run.Flush(input, output);
                        HeaderComplete = true;
                        return i + 1;
                    }
                    _mode = Mode.Hold;
                    _prefix = Prefix.Name;
                    _matched = 0;
                    _authName = true;
                    _spamName = true;
                    _spamField = false;
                    _heldLength = 0;
                }
                _line = Line.Inside;
            }

            if (_mode == Mode.Hold)
            {
                var decision = Step(b);
                if (decision == Decision.Continue && _heldLength == _held.Length && _held.Length < _maxHeld)
                {
                    Array.Resize(ref _held, Math.Min(_maxHeld, _held.Length * 2));
                }
                if (decision == Decision.Continue && _heldLength == _maxHeld)
                {
                    // Still undecided at the bound. A field name that long is not ours: leave it. An
                    // Authentication-Results field whose authserv-id has not come after that much CFWS
                    // is not a result anybody honest wrote, and passing it would let padding smuggle a
                    // forged one through: drop it (fail closed).
                    decision = _prefix == Prefix.Name ? Decision.Pass : Decision.Drop;
                }
                switch (decision)
                {
                    case Decision.Continue:
                        _held[_heldLength++] = b;
                        break;
                    case Decision.Pass:
                        run.Flush(input, output);
                        output.Write(_held.AsSpan(0, _heldLength));
                        _heldLength = 0;
                        _mode = Mode.Pass;
                        break;
                    default:
                        _heldLength = 0;
                        _mode = Mode.Drop;
                        RemovedFields++;
                        break;
                }
            }
            if (_mode == Mode.Pass)
            {
                run.Emit(input, i, output);
            }
            if (b == Lf)
            {
                _line = Line.Start;
            }
        }
        run.Flush(input, output);
        return input.Length;
    }

    /// <summary>The message ended (inside the header section, or it had no body): writes what is still held.</summary>
    public void Complete(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (HeaderComplete)
        {
            return;
        }
        if (_line == Line.StartAfterCr)
        {
            EndField(output);
            output.Write([Cr]);
        }
        else if (_mode == Mode.Hold && _prefix == Prefix.Token && _matched == _authservId.Length)
        {
            _heldLength = 0; // "Authentication-Results: <ours>" as the very last bytes
            RemovedFields++;
        }
        else
        {
            EndField(output);
        }
        _mode = Mode.Pass;
        HeaderComplete = true;
    }

    /// <summary>A field ends: one still held was not ours (its authserv-id never came).</summary>
    private void EndField(IBufferWriter<byte> output)
    {
        if (_mode == Mode.Hold)
        {
            output.Write(_held.AsSpan(0, _heldLength));
            _heldLength = 0;
        }
        _mode = Mode.Pass;
    }

    /// <summary>One byte of a field's start: still undecided, or now known to be ours (drop) or not (pass).</summary>
    private Decision Step(byte b)
    {
        switch (_prefix)
        {
            case Prefix.Name:
                if (b == ':')
                {
                    return NameEnds(colon: true);
                }
                if (b is (byte)' ' or (byte)'\t')
                {
                    return NameEnds(colon: false);
                }
                // Two names are ours: Authentication-Results (dropped only with our authserv-id) and any X-Spam-*.
                _authName &= _matched < FieldName.Length && Lower(b) == FieldName[_matched];
                _spamName &= _matched < SpamPrefix.Length ? Lower(b) == SpamPrefix[_matched] : b is > 0x20 and < 0x7F;
                _matched++;
                return _authName || _spamName ? Decision.Continue : Decision.Pass;
            case Prefix.SpaceBeforeColon:
                return b switch
                {
                    (byte)':' => _spamField ? Decision.Drop : Next(Prefix.Cfws),
                    (byte)' ' or (byte)'\t' => Decision.Continue,
                    _ => Decision.Pass,
                };
            case Prefix.Cfws:
                if (b is (byte)' ' or (byte)'\t' or Cr or Lf)
                {
                    return Decision.Continue; // folding: the next line must start with WSP, or the field ends undecided
                }
                if (b == '(')
                {
                    _commentDepth = 1;
                    return Next(Prefix.Comment);
                }
                _matched = 0;
                if (b == '"')
                {
                    return Next(Prefix.Quoted);
                }
                if (!IsTokenByte(b))
                {
                    return Decision.Pass;
                }
                _prefix = Prefix.Token;
                return MatchId(b);
            case Prefix.Comment:
                if (b == '\\')
                {
                    return Next(Prefix.CommentEscape);
                }
                if (b == '(')
                {
                    _commentDepth++;
                }
                else if (b == ')' && --_commentDepth == 0)
                {
                    _prefix = Prefix.Cfws;
                }
                return Decision.Continue;
            case Prefix.CommentEscape:
                return Next(Prefix.Comment);
            case Prefix.Token:
                if (IsTokenByte(b))
                {
                    return MatchId(b);
                }
                return _matched == _authservId.Length ? Decision.Drop : Decision.Pass;
            case Prefix.Quoted:
                if (b == '\\')
                {
                    return Next(Prefix.QuotedEscape);
                }
                if (b == '"')
                {
                    return _matched == _authservId.Length ? Decision.Drop : Decision.Pass;
                }
                return b is Cr or Lf ? Decision.Pass : MatchId(b);
            default: // QuotedEscape
                _prefix = Prefix.Quoted;
                return MatchId(b);
        }
    }

    /// <summary>The field name ended (at its colon, or at white space before one): which of ours, if any.</summary>
    private Decision NameEnds(bool colon)
    {
        _spamField = _spamName && _matched > SpamPrefix.Length;
        var auth = _authName && _matched == FieldName.Length;
        if (_spamField)
        {
            return colon ? Decision.Drop : Next(Prefix.SpaceBeforeColon);
        }
        if (!auth)
        {
            return Decision.Pass;
        }
        return Next(colon ? Prefix.Cfws : Prefix.SpaceBeforeColon);
    }

    private Decision Next(Prefix prefix)
    {
        _prefix = prefix;
        return Decision.Continue;
    }

    private Decision MatchId(byte b)
    {
        if (_matched < _authservId.Length && Lower(b) == _authservId[_matched])
        {
            _matched++;
            return Decision.Continue;
        }
        return Decision.Pass;
    }

    private static byte Lower(byte b) => b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b;

    /// <summary>RFC 2045 token: no SPACE, CTLs or tspecials; 8-bit bytes allowed (RFC 6532 UTF-8 names).</summary>
    private static bool IsTokenByte(byte b) => b > 0x20 && b != 0x7F && "()<>@,;:\\\"/[]?="u8.IndexOf(b) < 0;

    /// <summary>A contiguous stretch of the input being passed on unchanged.</summary>
    private ref struct Run
    {
        private int _start;
        private int _end;

        public void Emit(ReadOnlySpan<byte> input, int index, IBufferWriter<byte> output)
        {
            if (_end != index)
            {
                Flush(input, output);
                _start = index;
            }
            _end = index + 1;
        }

        public void Flush(ReadOnlySpan<byte> input, IBufferWriter<byte> output)
        {
            if (_end > _start)
            {
                output.Write(input[_start.._end]);
            }
            _start = _end;
        }
    }
}
