using System.Text;
using MimeKit;
using Serverless.Listeners.Imap;
using Xunit;
using Xunit.Abstractions;

namespace Serverless.Listeners.Tests.Imap;

public sealed class BodyTextScanTests(ITestOutputHelper output)
{
    private const string Header = "From: a@example.com\r\nTo: b@example.com\r\nSubject: big\r\nMIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";

    private const string Trailer = "\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nbmVlZGxlIGluIGFuIGF0dGFjaG1lbnQ=\r\n" +
        "--b\r\nContent-Type: text/html; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>Die Gr=FC=DFe am Ende, sp=\r\nlit across a soft break</p>\r\n--b--\r\n";

    [Fact]
    public async Task A_50_MiB_message_is_searched_with_a_few_MiB_at_most_whatever_its_size()
    {
        // 50 MiB of base64 text ("Lorem ipsum ..."), an attachment, then a Latin-1 quoted-printable part.
        var line = Encoding.ASCII.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes("Lorem ipsum dolor sit amet, consectetur adipiscing elit. Ünïcödé!!!!")) + "\r\n");
        var lines = 50 * 1024 * 1024 / line.Length;
        string[] needles = ["ünïcödé!!!!LOREM ipsum", "grüße AM ende", "split across", "needle in an attachment", "absent", "elit. Ünïcödé!!!!Lorem"];
        await using var warm = new GeneratedMessage(Header, line, 10, Trailer);
        await BodyTextScan.FindAsync(warm, needles, CancellationToken.None);

        await using var message = new GeneratedMessage(Header, line, lines, Trailer);
        var before = GC.GetAllocatedBytesForCurrentThread();
        // The stream completes every read synchronously, so the whole scan runs on this thread and is counted.
        var found = await BodyTextScan.FindAsync(message, needles, CancellationToken.None);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine($"FIGURES search body: {message.Length / (1024 * 1024)} MiB message, {allocated / 1024:N0} KiB allocated");
        Assert.Equal([true, true, true, false, false, true], found);
        Assert.Equal(message.Length, message.Position); // read to the end: "absent" was never found
        Assert.True(allocated < 4 * 1024 * 1024, $"allocated {allocated:N0} bytes");
    }

    [Theory]
    [InlineData("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln\r\n", "GRÜSSE", false)]
    [InlineData("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße aus Köln\r\n", "grÜße AUS", true)]
    [InlineData("Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nK=F6ln\r\n", "köln", true)]
    [InlineData("Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n", "hello", false)]
    [InlineData("Content-Type: text/plain\r\n\r\nfirst\r\n", "", true)]
    public async Task Matches_what_the_decoded_text_parts_contain_without_regard_to_case(string part, string needle, bool expected)
    {
        var raw = "From: a@example.com\r\nSubject: s\r\nMIME-Version: 1.0\r\n" + part;
        var text = string.Concat(MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(raw))).BodyParts.OfType<TextPart>().Select(p => p.Text + "\n"));
        Assert.Equal(expected, text.Contains(needle, StringComparison.OrdinalIgnoreCase)); // the old semantics
        var found = await BodyTextScan.FindAsync(new MemoryStream(Encoding.UTF8.GetBytes(raw)), [needle], CancellationToken.None);
        Assert.Equal(expected, found[0]);
    }

    /// <summary>A message made of a header, one line repeated, and a trailer, produced on the fly with no allocation per read.</summary>
    private sealed class GeneratedMessage(string header, byte[] line, int count, string trailer) : Stream
    {
        private readonly byte[] _header = Encoding.ASCII.GetBytes(header);
        private readonly byte[] _trailer = Encoding.ASCII.GetBytes(trailer);
        private long _position;
        private Task<int>? _last;

        public override long Length => _header.Length + ((long)line.Length * count) + _trailer.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var written = 0;
            while (written < buffer.Length && _position < Length)
            {
                var (source, at) = _position < _header.Length ? (_header, (int)_position)
                    : _position < _header.Length + ((long)line.Length * count) ? (line, (int)((_position - _header.Length) % line.Length))
                    : (_trailer, (int)(_position - _header.Length - ((long)line.Length * count)));
                var n = Math.Min(buffer.Length - written, source.Length - at);
                source.AsSpan(at, n).CopyTo(buffer[written..]);
                written += n;
                _position += n;
            }
            return written;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            var n = Read(buffer, offset, count);
            return _last is { Result: var r } && r == n ? _last : _last = Task.FromResult(n);
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
