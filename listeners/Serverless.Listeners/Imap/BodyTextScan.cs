using System.Buffers;
using System.Text;
using MimeKit;
using MimeKit.IO.Filters;

namespace Serverless.Listeners.Imap;

/// <summary>
/// SEARCH BODY / TEXT over a message blob without holding the message (RFC 3501 6.4.4): the MIME
/// structure is read as a stream of events (<see cref="MimeReader"/>), each text part's content is
/// decoded (transfer encoding, then charset) chunk by chunk, and every search string is matched
/// case-insensitively by a small automaton that carries its state across chunk boundaries. The
/// text searched is what <c>TextPart.Text</c> of each text part gives, one "\n" after each part,
/// as before; memory is a few buffers whatever the message's size. Reading stops once every
/// string was found.
/// </summary>
internal sealed class BodyTextScan : MimeReader
{
    private const int CharChunk = 4096;

    private readonly Matcher[] _matchers;
    private readonly bool[] _found;
    private int _remaining;
    private string? _transferEncoding;
    private IMimeFilter? _filter;
    private Decoder? _decoder;
    private char[]? _chars;

    private BodyTextScan(Stream stream, IReadOnlyList<string> needles)
        : base(ParserOptions.Default, stream)
    {
        _matchers = needles.Select(n => new Matcher(n)).ToArray();
        _found = new bool[needles.Count];
        _remaining = needles.Count;
        for (var i = 0; i < needles.Count; i++)
        {
            if (needles[i].Length == 0)
            {
                _found[i] = true; // the empty string is in every text
                _remaining--;
            }
        }
    }

    /// <summary>Which of <paramref name="needles"/> occur in the message's decoded text parts.</summary>
    public static async Task<bool[]> FindAsync(Stream message, IReadOnlyList<string> needles, CancellationToken cancellationToken)
    {
        var scan = new BodyTextScan(message, needles);
        try
        {
            if (scan._remaining > 0)
            {
                await scan.ReadMessageAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (AllFound)
        {
            // every string was found: the rest of the message need not be read
        }
        catch (FormatException)
        {
            // not a MIME message after all: what was read so far is all the text there is
        }
        finally
        {
            scan.ReturnBuffer();
        }
        return scan._found;
    }

    protected override void OnHeadersBegin(long beginOffset, int beginLineNumber, CancellationToken cancellationToken) => _transferEncoding = null;

    protected override Task OnHeadersBeginAsync(long beginOffset, int beginLineNumber, CancellationToken cancellationToken)
    {
        _transferEncoding = null;
        return Task.CompletedTask;
    }

    protected override void OnHeaderRead(Header header, int beginLineNumber, CancellationToken cancellationToken) => Remember(header);

    protected override Task OnHeaderReadAsync(Header header, int beginLineNumber, CancellationToken cancellationToken)
    {
        Remember(header);
        return Task.CompletedTask;
    }

    protected override void OnMimePartBegin(ContentType contentType, long beginOffset, int beginLineNumber, CancellationToken cancellationToken) => Begin(contentType);

    protected override Task OnMimePartBeginAsync(ContentType contentType, long beginOffset, int beginLineNumber, CancellationToken cancellationToken)
    {
        Begin(contentType);
        return Task.CompletedTask;
    }

    protected override void OnMimePartContentRead(byte[] content, int startIndex, int count, CancellationToken cancellationToken) => Read(content, startIndex, count, flush: false);

    protected override Task OnMimePartContentReadAsync(byte[] content, int startIndex, int count, CancellationToken cancellationToken)
    {
        Read(content, startIndex, count, flush: false);
        return Task.CompletedTask;
    }

    protected override void OnMimePartContentEnd(long beginOffset, int beginLineNumber, long endOffset, int lines, NewLineFormat? newLineFormat, CancellationToken cancellationToken) => End();

    protected override Task OnMimePartContentEndAsync(long beginOffset, int beginLineNumber, long endOffset, int lines, NewLineFormat? newLineFormat, CancellationToken cancellationToken)
    {
        End();
        return Task.CompletedTask;
    }

    private void Remember(Header header)
    {
        if (header.Id == HeaderId.ContentTransferEncoding)
        {
            _transferEncoding = header.Value.Trim().ToLowerInvariant();
        }
    }

    private void Begin(ContentType contentType)
    {
        _filter = null;
        _decoder = null;
        if (!contentType.IsMimeType("text", "*"))
        {
            return;
        }
        _filter = _transferEncoding switch
        {
            "base64" => DecoderFilter.Create(ContentEncoding.Base64),
            "quoted-printable" => DecoderFilter.Create(ContentEncoding.QuotedPrintable),
            "x-uuencode" or "uuencode" => DecoderFilter.Create(ContentEncoding.UUEncode),
            _ => null,
        };
        // As TextPart.Text: the declared charset; without one (or an unknown one) UTF-8.
        _decoder = (contentType.CharsetEncoding ?? Encoding.UTF8).GetDecoder();
        _chars ??= ArrayPool<char>.Shared.Rent(CharChunk);
    }

    private void Read(byte[] content, int startIndex, int count, bool flush)
    {
        if (_decoder is null)
        {
            return;
        }
        var bytes = content;
        if (_filter is not null)
        {
            bytes = flush
                ? _filter.Flush(content, startIndex, count, out startIndex, out count)
                : _filter.Filter(content, startIndex, count, out startIndex, out count);
        }
        // Decoded in slices the char buffer holds; the decoder keeps split characters between calls.
        var chars = _chars!;
        var slice = Math.Max(1, chars.Length / 4);
        do
        {
            var take = Math.Min(count, slice);
            var last = flush && take == count;
            var n = _decoder.GetChars(bytes, startIndex, take, chars, 0, last);
            Feed(chars.AsSpan(0, n));
            startIndex += take;
            count -= take;
        }
        while (count > 0);
    }

    private void End()
    {
        if (_decoder is null)
        {
            return;
        }
        Read([], 0, 0, flush: true);
        Feed("\n");
        _decoder = null;
        _filter = null;
    }

    private void Feed(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < _matchers.Length; i++)
        {
            if (!_found[i] && _matchers[i].Feed(text))
            {
                Found(i);
            }
        }
    }

    private void Found(int i)
    {
        _found[i] = true;
        if (--_remaining == 0)
        {
            throw new AllFound();
        }
    }

    private void ReturnBuffer()
    {
        if (_chars is not null)
        {
            ArrayPool<char>.Shared.Return(_chars);
            _chars = null;
        }
    }

    private sealed class AllFound : Exception;

    /// <summary>
    /// Knuth–Morris–Pratt over upper-cased characters (the per-character mapping ordinal
    /// ignore-case comparison uses): linear in the text, and the state is one int between chunks.
    /// </summary>
    private sealed class Matcher
    {
        private readonly string _pattern;
        private readonly int[] _fallback;
        private int _matched;

        public Matcher(string needle)
        {
            _pattern = needle.ToUpperInvariant();
            _fallback = new int[_pattern.Length];
            for (int i = 1, k = 0; i < _pattern.Length; i++)
            {
                while (k > 0 && _pattern[i] != _pattern[k])
                {
                    k = _fallback[k - 1];
                }
                if (_pattern[i] == _pattern[k])
                {
                    k++;
                }
                _fallback[i] = k;
            }
        }

        public bool Feed(ReadOnlySpan<char> text)
        {
            if (_pattern.Length == 0)
            {
                return true;
            }
            var k = _matched;
            foreach (var raw in text)
            {
                var c = char.ToUpperInvariant(raw);
                while (k > 0 && c != _pattern[k])
                {
                    k = _fallback[k - 1];
                }
                if (c == _pattern[k] && ++k == _pattern.Length)
                {
                    _matched = k;
                    return true;
                }
            }
            _matched = k;
            return false;
        }
    }
}
