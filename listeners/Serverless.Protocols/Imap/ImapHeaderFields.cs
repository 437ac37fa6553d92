using System.Buffers;
using System.Text;

namespace Serverless.Protocols.Imap;

/// <summary>
/// BODY[HEADER.FIELDS (…)] and BODY[HEADER.FIELDS.NOT (…)]: the subset of a raw header, field
/// lines kept byte for byte (continuation lines included), followed by the blank line.
/// <code>
/// header       = *field CRLF          ; RFC 5322 2.2
/// field        = field-name ":" unstructured CRLF
/// continuation = a line starting with SP or HTAB belongs to the field above
/// </code>
/// </summary>
public static class ImapHeaderFields
{
    public static byte[] Filter(ReadOnlySpan<byte> header, IReadOnlyCollection<string> fields, bool exclude)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var output = new ArrayBufferWriter<byte>(Math.Max(64, header.Length / 4));
        var include = false;
        var pos = 0;
        while (pos < header.Length)
        {
            var nl = header[pos..].IndexOf((byte)'\n');
            var end = nl < 0 ? header.Length : pos + nl + 1;
            var line = header[pos..end];
            var content = TrimEol(line);
            if (content.Length == 0)
            {
                break; // the blank line ending the header
            }
            if (line[0] is not ((byte)' ' or (byte)'\t'))
            {
                var colon = content.IndexOf((byte)':');
                var name = colon < 0 ? "" : Encoding.ASCII.GetString(content[..colon]).TrimEnd();
                var listed = fields.Any(f => string.Equals(f, name, StringComparison.OrdinalIgnoreCase));
                include = colon > 0 && listed != exclude;
            }
            if (include)
            {
                output.Write(line);
                if (line[^1] != (byte)'\n')
                {
                    output.Write("\r\n"u8);
                }
            }
            pos = end;
        }
        output.Write("\r\n"u8);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>The unfolded values of every field named <paramref name="name"/> (raw, not decoded).</summary>
    public static List<string> Values(ReadOnlySpan<byte> header, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var result = new List<string>();
        StringBuilder? current = null;
        var pos = 0;
        while (pos < header.Length)
        {
            var nl = header[pos..].IndexOf((byte)'\n');
            var end = nl < 0 ? header.Length : pos + nl + 1;
            var line = header[pos..end];
            var content = TrimEol(line);
            if (content.Length == 0)
            {
                break;
            }
            if (line[0] is (byte)' ' or (byte)'\t')
            {
                current?.Append(Encoding.UTF8.GetString(content));
            }
            else
            {
                if (current is not null)
                {
                    result.Add(current.ToString().Trim());
                    current = null;
                }
                var colon = content.IndexOf((byte)':');
                if (colon > 0 && string.Equals(Encoding.ASCII.GetString(content[..colon]).TrimEnd(), name, StringComparison.OrdinalIgnoreCase))
                {
                    current = new StringBuilder(Encoding.UTF8.GetString(content[(colon + 1)..]));
                }
            }
            pos = end;
        }
        if (current is not null)
        {
            result.Add(current.ToString().Trim());
        }
        return result;
    }

    private static ReadOnlySpan<byte> TrimEol(ReadOnlySpan<byte> line)
    {
        if (line.Length > 0 && line[^1] == (byte)'\n')
        {
            line = line[..^1];
        }
        if (line.Length > 0 && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }
        return line;
    }
}
