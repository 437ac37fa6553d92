using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Serverless.Mail.Spam.Signals;

/// <summary>
/// One HTTP/1.1 POST to Rspamd over plain TCP (a worker on loopback or a sidecar), written by hand
/// because Rspamd reads one address per <c>Rcpt</c> header line and HttpClient folds repeated
/// headers into one comma-separated line. <c>Connection: close</c>: the reply ends with the
/// connection (or at its Content-Length); a chunked reply is decoded.
/// </summary>
internal static class RspamdHttp
{
    private const int MaxReply = 4 * 1024 * 1024;

    public static async Task<(int Status, byte[] Body)> PostAsync(Uri baseUri, string path, IReadOnlyList<(string Name, string Value)> headers, ReadOnlyMemory<byte> body,
        CancellationToken cancellationToken)
    {
        if (baseUri.Scheme != Uri.UriSchemeHttp)
        {
            throw new InvalidOperationException("Mail:Spam:RspamdUrl must be an http:// address (Rspamd on loopback or a sidecar).");
        }
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(baseUri.Host, baseUri.Port, cancellationToken).ConfigureAwait(false);
        await using var stream = tcp.GetStream();
        var head = new StringBuilder(256);
        head.Append("POST ").Append(baseUri.AbsolutePath.TrimEnd('/')).Append(path).Append(" HTTP/1.1\r\n");
        head.Append("Host: ").Append(baseUri.Authority).Append("\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(name).Append(": ").Append(Clean(value)).Append("\r\n");
        }
        head.Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.UTF8.GetBytes(head.ToString()), cancellationToken).ConfigureAwait(false);
        await stream.WriteAsync(body, cancellationToken).ConfigureAwait(false);

        using var reply = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            reply.Write(buffer, 0, read);
            if (reply.Length > MaxReply)
            {
                throw new InvalidOperationException("Rspamd's reply is too large.");
            }
            if (Complete(reply.GetBuffer().AsSpan(0, (int)reply.Length)))
            {
                break;
            }
        }
        return Parse(reply.GetBuffer().AsSpan(0, (int)reply.Length));
    }

    /// <summary>True once the header and Content-Length bytes of body are in.</summary>
    private static bool Complete(ReadOnlySpan<byte> reply)
    {
        var end = reply.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return false;
        }
        var length = ContentLength(Encoding.ASCII.GetString(reply[..end]));
        return length is { } n && reply.Length - end - 4 >= n;
    }

    private static (int Status, byte[] Body) Parse(ReadOnlySpan<byte> reply)
    {
        var end = reply.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            throw new FormatException("Rspamd's reply has no complete header.");
        }
        var head = Encoding.ASCII.GetString(reply[..end]);
        var statusLine = head.Split("\r\n", 2)[0].Split(' ');
        if (statusLine.Length < 2 || !statusLine[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(statusLine[1], CultureInfo.InvariantCulture, out var status))
        {
            throw new FormatException("Rspamd's reply has no HTTP status line.");
        }
        var rest = reply[(end + 4)..];
        if (ContentLength(head) is { } n)
        {
            return (status, rest[..Math.Min(n, rest.Length)].ToArray());
        }
        return head.Contains("transfer-encoding: chunked", StringComparison.OrdinalIgnoreCase) ? (status, Dechunk(rest)) : (status, rest.ToArray());
    }

    private static int? ContentLength(string head)
    {
        foreach (var line in head.Split("\r\n"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
                && int.TryParse(line[(colon + 1)..].Trim(), CultureInfo.InvariantCulture, out var n))
            {
                return n;
            }
        }
        return null;
    }

    private static byte[] Dechunk(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream();
        while (true)
        {
            var line = data.IndexOf("\r\n"u8);
            if (line < 0)
            {
                break;
            }
            var sizeText = Encoding.ASCII.GetString(data[..line]).Split(';')[0].Trim();
            if (!int.TryParse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var size) || size == 0)
            {
                break;
            }
            data = data[(line + 2)..];
            output.Write(data[..Math.Min(size, data.Length)]);
            data = data[Math.Min(size + 2, data.Length)..];
        }
        return output.ToArray();
    }

    /// <summary>Header values are client input: no line breaks.</summary>
    private static string Clean(string value) => value.Replace('\r', ' ').Replace('\n', ' ');
}
