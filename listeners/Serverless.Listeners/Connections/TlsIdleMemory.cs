using System.Net.Security;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Serverless.Listeners.Connections;

/// <summary>
/// Lets OpenSSL free a TLS connection's record buffers while it is idle. On Linux, SslStream runs
/// on OpenSSL, which by default keeps a ~17 KiB read and a ~17 KiB write buffer per connection for
/// its whole life; <c>SSL_MODE_RELEASE_BUFFERS</c> (set by nginx, HAProxy, Dovecot) returns them
/// whenever they are empty. .NET does not set the mode and offers no API for it, so it is set here
/// on the SSL object behind the stream, found through SslStream's private field. Where that field
/// or libssl is not what is expected (another runtime or platform), nothing happens: the connection
/// works the same, only with the larger footprint. Public for the benchmark's bare-SslStream floor
/// (<c>scripts/bench.sh --only tls-floor</c>).
/// </summary>
public static class TlsIdleMemory
{
    private const int SslCtrlMode = 33; // SSL_CTRL_MODE
    private const nint SslModeReleaseBuffers = 0x10; // SSL_MODE_RELEASE_BUFFERS

    private static readonly FieldInfo? SecurityContext =
        typeof(SslStream).GetField("_securityContext", BindingFlags.Instance | BindingFlags.NonPublic);

    private static readonly unsafe delegate* unmanaged<nint, int, nint, nint, nint> SslCtrl =
        (delegate* unmanaged<nint, int, nint, nint, nint>)FindExport("SSL_ctrl");

    private static readonly unsafe delegate* unmanaged<nint, int> SslFreeBuffers =
        (delegate* unmanaged<nint, int>)FindExport("SSL_free_buffers");

    /// <summary>True when the mode can be set in this process (Linux with OpenSSL 3 or 1.1).</summary>
    public static unsafe bool Supported => SslCtrl != null && SecurityContext is not null;

    /// <summary>
    /// Right after the handshake, before anything else reads or writes the stream: returns what the
    /// handshake left allocated (SslStream keeps its 8 KiB handshake read buffer until the first read
    /// completes — for a client that says nothing, for ever; OpenSSL keeps its record buffers) and
    /// sets <c>SSL_MODE_RELEASE_BUFFERS</c> so OpenSSL frees them again whenever they run empty.
    /// </summary>
    public static async Task ReleaseAfterHandshakeAsync(SslStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            // A read that is cancelled before it starts: SslStream's read ends in a finally that
            // returns an empty read buffer; no byte is consumed (anything already received stays
            // buffered for the session's first read).
            _ = await stream.ReadAsync(Memory<byte>.Empty, new CancellationToken(canceled: true));
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
        FreeRecordBuffers(stream);
    }

    /// <summary>Sets <c>SSL_MODE_RELEASE_BUFFERS</c> and frees the record buffers now if they are empty. False where it cannot.</summary>
    public static unsafe bool FreeRecordBuffers(SslStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!Supported || SecurityContext!.GetValue(stream) is not SafeHandle handle || handle.GetType().Name != "SafeSslHandle")
        {
            return false;
        }
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (handle.IsInvalid)
            {
                return false;
            }
            var ssl = handle.DangerousGetHandle();
            var mode = SslCtrl(ssl, SslCtrlMode, SslModeReleaseBuffers, 0);
            if (SslFreeBuffers != null)
            {
                SslFreeBuffers(ssl); // 0 (nothing freed) while a buffer still holds data: harmless
            }
            return (mode & SslModeReleaseBuffers) != 0;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static nint FindExport(string name)
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }
        // The same names, in the same order, as .NET's own OpenSSL shim tries: the library it
        // loaded is the one found first, and dlopen of a loaded library returns that library.
        foreach (var library in new[] { "libssl.so.3", "libssl.so.1.1" })
        {
            if (NativeLibrary.TryLoad(library, out var handle))
            {
                return NativeLibrary.TryGetExport(handle, name, out var export) ? export : 0;
            }
        }
        return 0;
    }
}
