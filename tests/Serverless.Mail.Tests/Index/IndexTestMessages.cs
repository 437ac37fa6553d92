using Serverless.Mail.Index;

namespace Serverless.Mail.Tests.Index;

/// <summary>A message to append in the index tests: a blob name, a size, flags and an optional dedupe key.</summary>
internal static class IndexTestMessages
{
    public static NewMessage Message(string blob, long size = 100, string? dedupe = null, params string[] flags) => new()
    {
        BlobName = blob,
        Size = size,
        InternalDate = DateTimeOffset.UtcNow,
        Flags = flags,
        DedupeKey = dedupe,
    };
}
