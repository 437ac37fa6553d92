using System.Text;

namespace Serverless.Mail.Storage;

/// <summary>
/// Table PartitionKey/RowKey values may not contain '/', '\', '#', '?' or control characters,
/// but mail local parts and folder names can. Those characters (and '%', the escape itself)
/// are written as %XX of their UTF-8 bytes, so the mapping is reversible and order-stable
/// for ordinary names.
/// </summary>
public static class KeyEscaping
{
    public static string Escape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var needs = false;
        foreach (var c in value)
        {
            if (MustEscape(c))
            {
                needs = true;
                break;
            }
        }
        if (!needs)
        {
            return value;
        }
        var sb = new StringBuilder(value.Length + 8);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (!MustEscape(c))
            {
                sb.Append(c);
                continue;
            }
            var n = Encoding.UTF8.GetBytes(value.AsSpan(i, 1), utf8);
            for (var j = 0; j < n; j++)
            {
                sb.Append('%').Append(utf8[j].ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return sb.ToString();
    }

    public static string Unescape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!value.Contains('%', StringComparison.Ordinal))
        {
            return value;
        }
        var sb = new StringBuilder(value.Length);
        var pending = new List<byte>(4);
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '%' && i + 2 < value.Length)
            {
                pending.Add(Convert.ToByte(value.Substring(i + 1, 2), 16));
                i += 2;
                continue;
            }
            Flush(sb, pending);
            sb.Append(value[i]);
        }
        Flush(sb, pending);
        return sb.ToString();
    }

    private static void Flush(StringBuilder sb, List<byte> pending)
    {
        if (pending.Count > 0)
        {
            sb.Append(Encoding.UTF8.GetString(pending.ToArray()));
            pending.Clear();
        }
    }

    private static bool MustEscape(char c) =>
        c is '/' or '\\' or '#' or '?' or '%' || char.IsControl(c);
}
