using System.Buffers;
using System.IO.Pipelines;
using System.Text;

namespace Serverless.Listeners.Connections;

/// <summary>Reads CRLF-terminated command lines with a length bound and writes replies.</summary>
public static class LineSession
{
    /// <summary>Next line without its CRLF, or null at end of stream. Throws <see cref="LineTooLongException"/> past the bound.</summary>
    public static async ValueTask<string?> ReadLineAsync(PipeReader input, int maxLength, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var position = buffer.PositionOf((byte)'\n');
            if (position is not null)
            {
                var line = buffer.Slice(0, position.Value);
                if (line.Length > maxLength)
                {
                    input.AdvanceTo(buffer.GetPosition(1, position.Value));
                    throw new LineTooLongException();
                }
                var text = Encoding.UTF8.GetString(line); // decode before AdvanceTo releases the buffer
                input.AdvanceTo(buffer.GetPosition(1, position.Value));
                return text.EndsWith('\r') ? text[..^1] : text;
            }
            if (buffer.Length > maxLength)
            {
                throw new LineTooLongException();
            }
            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return null;
            }
        }
    }

    public static async ValueTask WriteLineAsync(PipeWriter output, string line, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\r\n");
        await output.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
    }
}

public sealed class LineTooLongException : Exception
{
    public LineTooLongException()
        : base("Line too long.")
    {
    }
}
