using System.Buffers;
using System.IO.Pipelines;
using Serverless.Protocols.ManageSieve;

namespace Serverless.Listeners.ManageSieve;

public sealed partial class ManageSieveSession
{
    private delegate ManageSieveParse Parser(ReadOnlySequence<byte> buffer, int maxLine, long maxLiteral, out SequencePosition consumed);

    private CancellationTokenSource _idle = null!;
    private bool _unflushed;

    /// <summary>Literals up to the script size limit are taken; a larger one is refused (<see cref="RefuseLiteralAsync"/>).</summary>
    private long MaxLiteral => _services.Scripts.Options.EffectiveMaxScriptBytes;

    /// <summary>The next command (or a parse error to answer), or null when the client closed the connection.</summary>
    private ValueTask<ManageSieveParse?> ReadCommandAsync() => ReadAsync(ManageSieveParser.TryParse);

    /// <summary>The client's SASL response string, or null when it left; a malformed one reads as "*" (cancel).</summary>
    private async ValueTask<string?> ReadSaslResponseAsync()
    {
        var parsed = await ReadAsync(ManageSieveParser.TryParseSaslResponse);
        if (parsed is not { } p)
        {
            return null;
        }
        if (p.Status == ManageSieveParseStatus.LineTooLong)
        {
            throw new ClientGoneException();
        }
        return p.Status == ManageSieveParseStatus.Complete && p.Command!.Arguments is [{ Text: { } text }] ? text : "*";
    }

    /// <summary>
    /// Parses from the input, waiting for more only when the buffer holds no whole command, so
    /// replies to pipelined commands go out in one write.
    /// </summary>
    private async ValueTask<ManageSieveParse?> ReadAsync(Parser parse)
    {
        var wait = false;
        while (true)
        {
            var input = _transport.Input; // read each time: STARTTLS replaces it
            if (wait || !input.TryRead(out var result))
            {
                result = await WaitForInputAsync(input);
            }
            var buffer = result.Buffer;
            var parsed = parse(buffer, ManageSieveOptions.CommandLineLimit, MaxLiteral, out var consumed);
            if (parsed.Status != ManageSieveParseStatus.NeedMore)
            {
                input.AdvanceTo(consumed);
                return parsed;
            }
            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return null;
            }
            wait = true;
        }
    }

    /// <summary>
    /// A literal larger than any script may be: its octets are read and dropped (the client sends
    /// them unasked, {n+}), with the rest of the command, and the command is refused
    /// NO (QUOTA/MAXSIZE); beyond <see cref="ManageSieveOptions.DiscardableLiteral"/> it is BYE.
    /// </summary>
    private async ValueTask<ManageSieveReply> RefuseLiteralAsync(ManageSieveParse parsed)
    {
        if (parsed.LiteralLength > ManageSieveOptions.DiscardableLiteral)
        {
            return ManageSieveReply.Bye(parsed.Error!, "QUOTA/MAXSIZE");
        }
        var left = parsed.LiteralLength;
        var lineDone = false;
        while (!lineDone)
        {
            var input = _transport.Input;
            var result = await WaitForInputAsync(input);
            var buffer = result.Buffer;
            var skip = Math.Min(left, buffer.Length);
            left -= skip;
            var position = buffer.GetPosition(skip);
            if (left == 0)
            {
                var rest = buffer.Slice(position);
                if (rest.PositionOf((byte)'\n') is { } lf)
                {
                    position = rest.GetPosition(1, lf);
                    lineDone = true;
                }
                else if (rest.Length > ManageSieveOptions.CommandLineLimit)
                {
                    return ManageSieveReply.Bye("Line too long");
                }
                else
                {
                    input.AdvanceTo(position, buffer.End);
                    if (result.IsCompleted)
                    {
                        throw new ClientGoneException();
                    }
                    continue;
                }
            }
            input.AdvanceTo(position);
            if (!lineDone && result.IsCompleted)
            {
                throw new ClientGoneException();
            }
        }
        return BadCommandNoCount(parsed.Error!, "QUOTA/MAXSIZE");
    }

    private static ManageSieveReply BadCommandNoCount(string text, string code) => ManageSieveReply.No(text, code);

    private async ValueTask<ReadResult> WaitForInputAsync(PipeReader input)
    {
        await FlushAsync();
        _idle.CancelAfter(_services.Options.IdleTimeout);
        return await input.ReadAsync(_idle.Token);
    }

    private void Write(ManageSieveReply reply)
    {
        var output = _transport.Output;
        foreach (var line in reply.Lines)
        {
            if (line.Literal)
            {
                ManageSieveResponseWriter.WriteStringLine(output, line.First, forceLiteral: true);
            }
            else
            {
                ManageSieveResponseWriter.WriteLine(output, line.First, line.Second, line.SecondIsAtom);
            }
        }
        ManageSieveResponseWriter.WriteStatus(output, reply.Status, reply.Code, reply.Text);
        _unflushed = true;
    }

    private void WriteChallenge(string challenge)
    {
        ManageSieveResponseWriter.WriteStringLine(_transport.Output, challenge, forceLiteral: false);
        _unflushed = true;
    }

    private async ValueTask FlushAsync()
    {
        if (!_unflushed)
        {
            return;
        }
        _idle.CancelAfter(_services.Options.IdleTimeout);
        var result = await _transport.Output.FlushAsync(_idle.Token);
        _unflushed = false;
        if (result.IsCompleted || result.IsCanceled)
        {
            throw new ClientGoneException();
        }
    }

    private Task SendFinalAsync(ManageSieveReply reply) => _transport.SendFinalAsync(() => Write(reply));

    private sealed class ClientGoneException : Exception
    {
    }
}
