namespace Serverless.Testing;

/// <summary>
/// What one connection through a <see cref="StorageOutageProxy"/> lets pass between a client and
/// storage. The base passes everything; fault tests derive from it to hold a request before it
/// reaches storage or to swallow the response to one that did.
/// </summary>
public class StorageRelay
{
    /// <summary>Lets everything through.</summary>
    public static readonly StorageRelay PassAll = new();

    /// <summary>
    /// Awaited before each chunk of the request goes on to storage: a hold is a task that does not
    /// complete (it is cancelled by <paramref name="stopping"/> when the proxy is disposed).
    /// </summary>
    public virtual Task RequestAsync(ReadOnlyMemory<byte> chunk, CancellationToken stopping) => Task.CompletedTask;

    /// <summary>Whether a chunk of storage's response goes back to the client (false swallows it).</summary>
    public virtual bool PassesResponse(ReadOnlyMemory<byte> chunk) => true;

    /// <summary>Whether storage closing its side reaches the client.</summary>
    public virtual bool PassesResponseEnd => true;

    /// <summary>Whether the connection stays open after either side ended, until the proxy is disposed (the client keeps waiting).</summary>
    public virtual bool Held => false;
}
