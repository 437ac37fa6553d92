using Serverless.Protocols.ManageSieve;

namespace Serverless.Listeners.ManageSieve.Commands;

/// <summary>RFC 5804 2.13 NOOP [tag]: the tag comes back as the TAG response code.</summary>
internal sealed class NoopCommand : IManageSieveCommand
{
    public ValueTask<ManageSieveReply> ExecuteAsync(ManageSieveSession session, ManageSieveCommand command, CancellationToken cancellationToken)
    {
        var reply = command.Arguments switch
        {
            [] => ManageSieveReply.Ok("Done"),
            [{ Text: { } tag }] => ManageSieveReply.Ok("Done", "TAG " + Quoted(tag)),
            _ => throw new ArgumentsException("NOOP takes at most one string"),
        };
        return ValueTask.FromResult(reply);
    }

    private static string Quoted(string s)
    {
        var writer = new System.Buffers.ArrayBufferWriter<byte>();
        ManageSieveResponseWriter.WriteString(writer, s);
        return System.Text.Encoding.UTF8.GetString(writer.WrittenSpan);
    }
}
