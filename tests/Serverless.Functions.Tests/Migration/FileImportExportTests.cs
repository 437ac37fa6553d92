using System.IO.Compression;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Functions.Http;
using Serverless.Functions.Tests.Provisioning;
using Serverless.Mail.Accounts;
using Xunit;
using static Serverless.Functions.Tests.Migration.MigrationTestKit;
using static Serverless.Functions.Tests.Provisioning.ApiTestHost;

namespace Serverless.Functions.Tests.Migration;

/// <summary>
/// Export and import of files: a folder exported as mbox imports back into another mailbox
/// identically (bytes and dates, "From " lines in bodies included), a mailbox exported as a Maildir
/// zip imports back with its folders, flags and keywords too; and both are streamed.
/// </summary>
public sealed class FileImportExportTests
{
    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static DateTimeOffset Day(int d) => new(2023, 11, d, 18, 5, 7, TimeSpan.Zero);

    private static async Task<(ApiTestHost Host, string Key, Dictionary<string, MailboxRecord> Boxes)> StartAsync()
    {
        var host = await ApiTestHost.StartAsync(new Dictionary<string, string?> { ["Mail:Import:BatchSize"] = "2" });
        var key = Expect(await Send(Request("POST", AdminKey, new { id = "acme" }), host.Function<TenantsFunction>().Create), "CreateTenant", 201).Str("apiKey");
        Expect(await Send(Request("POST", key, new { name = "acme.test" }), r => host.Function<DomainsFunction>().Create(r, "acme")), "CreateDomain", 201);
        var boxes = new Dictionary<string, MailboxRecord>();
        foreach (var name in new[] { "from", "mbox", "maildir" })
        {
            Expect(await Send(Request("POST", key, new { address = $"{name}@acme.test", password = "long enough password" }), r => host.Function<MailboxesFunction>().Create(r, "acme")),
                "CreateMailbox", 201);
            boxes[name] = (await host.Services.GetRequiredService<MailDirectory>().GetMailboxAsync(MailAddress.Parse($"{name}@acme.test")))!;
        }
        return (host, key, boxes);
    }

    private static async Task<byte[]> ExportAsync(ApiTestHost host, string key, string address, string query)
    {
        var request = Request("GET", key, query: query);
        var result = await host.Function<ImportsFunction>().Export(request, "acme", address);
        await result.ExecuteResultAsync(new ActionContext(request.HttpContext, new RouteData(), new ActionDescriptor()));
        Assert.Equal(200, request.HttpContext.Response.StatusCode);
        Assert.StartsWith("attachment", request.HttpContext.Response.Headers.ContentDisposition.ToString(), StringComparison.Ordinal);
        return ((MemoryStream)request.HttpContext.Response.Body).ToArray();
    }

    private static async Task<string> ImportAsync(ApiTestHost host, string key, string address, byte[] file, string contentType, string? query = null)
    {
        var request = Request("POST", key, query: query);
        request.ContentType = contentType;
        request.ContentLength = file.Length;
        request.Body = new MemoryStream(file);
        var accepted = Expect(await Send(request, r => host.Function<ImportsFunction>().Start(r, "acme", address)), "StartImport", 202);
        await DrainAsync(host);
        var status = Expect(await Send(Request("GET", key), r => host.Function<ImportsFunction>().Get(r, "acme", address, accepted.Str("id"))), "GetImport", 200);
        Assert.Equal("completed", status.Str("status"));
        Assert.Equal(status.Body.GetProperty("messagesTotal").GetInt64(), status.Body.GetProperty("messagesCopied").GetInt64());
        return accepted.Str("id");
    }

    [Fact]
    public async Task An_mbox_export_imports_into_another_mailbox_identically_and_a_maildir_export_keeps_folders_flags_and_keywords()
    {
        var (host, key, boxes) = await StartAsync();
        await using var _ = host;
        var from = boxes["from"].MailboxId;
        await PutAsync(host.Services, from, "INBOX", Bytes("Subject: one\r\n\r\nFrom the start of a line\r\n>From quoted once\r\n>>From twice\r\n\r\nFrom after a blank line\r\n"), Day(1), "\\Seen");
        await PutAsync(host.Services, from, "INBOX", Bytes("Subject: 8bit\r\nContent-Transfer-Encoding: 8bit\r\n\r\nKöln ✓\r\n\r\n"), Day(2), "\\Flagged", "$label1");
        await PutAsync(host.Services, from, "INBOX", Bytes("Subject: lf only\n\nunix line ends\n"), Day(3));
        await PutAsync(host.Services, from, "Archive/2023", Bytes("Subject: old\r\n\r\nkept\r\n"), Day(4), "\\Answered", "\\Seen", "Work", "$Forwarded");
        var original = await ReadAsync(host.Services, from);

        var mbox = await ExportAsync(host, key, "from@acme.test", "?format=mbox&folder=INBOX");
        var text = Encoding.UTF8.GetString(mbox);
        Assert.StartsWith("From MAILER-DAEMON Wed Nov  1 18:05:07 2023\n", text, StringComparison.Ordinal);
        Assert.Contains("\r\n>From the start of a line\r\n>>From quoted once\r\n>>>From twice\r\n\r\n>From after a blank line\r\n", text, StringComparison.Ordinal);
        await ImportAsync(host, key, "mbox@acme.test", mbox, "application/mbox");
        var viaMbox = await ReadAsync(host.Services, boxes["mbox"].MailboxId);
        Assert.Equal(original["INBOX"].Select(m => (m.Bytes, m.Date)), viaMbox["INBOX"].Select(m => (m.Bytes, m.Date)), new BytesAndDate());

        var zip = await ExportAsync(host, key, "from@acme.test", "?format=maildir");
        using (var archive = new ZipArchive(new MemoryStream(zip)))
        {
            Assert.Contains(archive.Entries, e => e.FullName.StartsWith(".Archive.2023/cur/", StringComparison.Ordinal) && e.Name.EndsWith(":2,PRSa", StringComparison.Ordinal));
            Assert.Contains(archive.Entries, e => e.FullName == ".Archive.2023/dovecot-keywords");
        }
        await ImportAsync(host, key, "maildir@acme.test", zip, "application/zip");
        var viaMaildir = await ReadAsync(host.Services, boxes["maildir"].MailboxId);
        Assert.Equal(original.Keys, viaMaildir.Keys);
        foreach (var (folder, messages) in original)
        {
            Assert.Equal(messages, viaMaildir[folder]);
        }
    }

    [Fact]
    public async Task An_mbox_file_goes_into_the_folder_asked_for_and_bad_files_are_refused()
    {
        var (host, key, boxes) = await StartAsync();
        await using var _ = host;
        var file = Bytes("From someone@example.com Mon Jan  1 10:00:00 2024\nStatus: RO\nX-Status: F\nSubject: a\n\n>From mboxo\n\nFrom x@y Tue Jan  2 10:00:00 2024\nSubject: b\n\nb\n");
        await ImportAsync(host, key, "mbox@acme.test", file, "application/mbox; format=mboxo", "?folder=Old%20mail");
        var box = await ReadAsync(host.Services, boxes["mbox"].MailboxId);
        Assert.Equal(
            [new StoredMessage(Bytes("Status: RO\nX-Status: F\nSubject: a\n\nFrom mboxo\n"), new DateTimeOffset(2024, 1, 1, 10, 0, 0, TimeSpan.Zero), "\\Flagged \\Seen"),
             new StoredMessage(Bytes("Subject: b\n\nb\n"), new DateTimeOffset(2024, 1, 2, 10, 0, 0, TimeSpan.Zero), "")],
            box["Old mail"]);

        foreach (var (body, type, field, status) in new[] { ("not a zip", "application/zip", "body", 400), ("x", "application/mbox; format=mboxcl2", "format", 400), ("x", "text/plain", null, 415) })
        {
            var request = Request("POST", key);
            request.ContentType = type;
            request.Body = new MemoryStream(Bytes(body));
            var problem = Expect(await Send(request, r => host.Function<ImportsFunction>().Start(r, "acme", "mbox@acme.test")), "StartImport", status);
            if (field is not null)
            {
                Assert.Equal(field, problem.Body.GetProperty("errors")[0].GetProperty("field").GetString());
            }
        }
        var missing = Request("GET", key, query: "?format=mbox&folder=Nowhere");
        Expect(await Send(missing, r => host.Function<ImportsFunction>().Export(r, "acme", "mbox@acme.test")), "ExportMailbox", 400);
        Expect(await Send(Request("GET", key, query: "?format=pst"), r => host.Function<ImportsFunction>().Export(r, "acme", "mbox@acme.test")), "ExportMailbox", 400);
    }

    private sealed class BytesAndDate : IEqualityComparer<(byte[] Bytes, DateTimeOffset Date)>
    {
        public bool Equals((byte[] Bytes, DateTimeOffset Date) x, (byte[] Bytes, DateTimeOffset Date) y) => x.Bytes.AsSpan().SequenceEqual(y.Bytes) && x.Date == y.Date;

        public int GetHashCode((byte[] Bytes, DateTimeOffset Date) obj) => obj.Bytes.Length;
    }
}
