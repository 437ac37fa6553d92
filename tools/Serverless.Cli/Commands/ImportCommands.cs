using System.CommandLine;
using Serverless.Cli.Api;
using Serverless.Cli.Rendering;
using Spectre.Console;

namespace Serverless.Cli.Commands;

/// <summary>
/// <c>smail import</c> (from an IMAP server or an mbox/Maildir file; <c>status</c>, <c>cancel</c>,
/// <c>--wait</c> with a progress bar) and <c>smail export</c> (streamed to a file) — README "Moving in and out".
/// </summary>
public static class ImportCommands
{
    /// <summary>How often <c>--wait</c> reads the import.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public static IEnumerable<Command> Create(CommandRunner run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var address = new Argument<string>("address") { Description = "The mailbox to fill or read." };
        var host = new Option<string?>("--host") { Description = "The source IMAP server." };
        var port = new Option<int>("--port") { Description = "Its port.", DefaultValueFactory = _ => 993 };
        var security = new Option<string>("--security") { Description = "ssl, starttls or none.", DefaultValueFactory = _ => "ssl" };
        security.AcceptOnlyFromAmong("ssl", "starttls", "none");
        var username = new Option<string?>("--username") { Description = "The login at the source." };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the source's password from the first line of standard input (else it is asked for on a terminal)." };
        var folders = new Option<string?>("--folders") { Description = "Only these source folders, comma-separated ('/' between levels); all when left out." };
        var file = new Option<FileInfo?>("--file") { Description = "An .mbox file or a Maildir++ .zip to upload (streamed)." };
        var folder = new Option<string?>("--folder") { Description = "The folder an mbox goes into (INBOX by default)." };
        var wait = new Option<bool>("--wait") { Description = "Show progress until the import ends; exit 3 unless it completed." };

        var import = new Command("import", "Import into a mailbox from an IMAP server (--host) or a file (--file).")
        {
            address, host, port, security, username, passwordStdin, folders, file, folder, wait,
        };
        run.Set(import, async c =>
        {
            var tenant = c.Tenant();
            var mailbox = c.Get(address);
            ApiReply<MailboxImport> started;
            if (c.Get(file) is { } upload)
            {
                if (c.Get(host) is not null)
                {
                    throw new UsageException("Give --host or --file, not both.");
                }
                var contentType = upload.Extension.ToLowerInvariant() switch
                {
                    ".mbox" or ".mbx" => "application/mbox",
                    ".zip" => "application/zip",
                    _ => throw new UsageException($"--file: {upload.Name} is neither an .mbox file nor a Maildir .zip."),
                };
                if (!upload.Exists)
                {
                    throw new UsageException($"--file: {upload.FullName} does not exist.");
                }
                await using var stream = upload.OpenRead();
                started = await c.Api.StartFileImportAsync(tenant, mailbox, stream, contentType, c.Get(folder), c.Cancellation);
            }
            else if (c.Get(host) is { } server)
            {
                var login = c.Get(username) ?? throw new UsageException("--username: the login at the source is required with --host.");
                var wanted = c.Get(folders)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var source = new ImapSource(server, c.Get(port), c.Get(security)!, login, ReadPassword(c, c.Get(passwordStdin), login, server), wanted);
                started = await c.Api.StartImapImportAsync(tenant, mailbox, source, c.Cancellation);
            }
            else
            {
                throw new UsageException("Where from? Give --host (an IMAP server) or --file (an .mbox or Maildir .zip).");
            }
            if (!c.Get(wait))
            {
                c.Output.Show(started, (o, i) => o.Line($"Import {i.Id} into {i.Mailbox} {i.Status}; follow it with: smail import status {i.Mailbox} {i.Id}"));
                return ExitCodes.Ok;
            }
            return await WaitAsync(c, tenant, started.Value);
        });

        var id = new Argument<string>("id") { Description = "The import's id." };
        var status = new Command("status", "Show where an import stands.") { address, id };
        run.Set(status, async c => c.Output.Show(await c.Api.GetImportAsync(c.Tenant(), c.Get(address), c.Get(id), c.Cancellation), Describe));
        var cancel = new Command("cancel", "Stop an import (what was copied stays).") { address, id };
        run.Set(cancel, async c => c.Output.Show(await c.Api.CancelImportAsync(c.Tenant(), c.Get(address), c.Get(id), c.Cancellation), Describe));
        import.Subcommands.Add(status);
        import.Subcommands.Add(cancel);

        var format = new Option<string>("--format") { Description = "mbox (one folder) or maildir (a zip of the mailbox or of --folder).", DefaultValueFactory = _ => "mbox" };
        format.AcceptOnlyFromAmong("mbox", "maildir");
        var exportFolder = new Option<string?>("--folder") { Description = "The folder (mbox: INBOX by default; maildir: all when left out)." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The file to write.", Required = true };
        var export = new Command("export", "Download a mailbox as mbox or a Maildir zip, streamed to a file.") { address, format, exportFolder, output };
        run.Set(export, async c =>
        {
            var target = c.Get(output)!;
            // Written beside the target and moved into place once complete: a failed download leaves no half file under its name.
            var partial = target.FullName + ".part";
            try
            {
                long bytes;
                await using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 256 * 1024, useAsync: true))
                {
                    bytes = await c.Api.ExportAsync(c.Tenant(), c.Get(address), c.Get(format)!, c.Get(exportFolder), stream, c.Cancellation);
                }
                File.Move(partial, target.FullName, overwrite: true);
                c.Output.Line($"Exported {c.Get(address)} to {target.FullName} ({Tables.Size(bytes, zeroIsUnlimited: false)}).");
            }
            finally
            {
                File.Delete(partial);
            }
        });
        return [import, export];
    }

    /// <summary>Polls the import until it ends, with a bar of messages copied out of all; 0 when completed, 3 when it failed, hit the quota or was cancelled.</summary>
    private static async Task<int> WaitAsync(Invocation c, string tenant, MailboxImport started)
    {
        var reply = await c.Api.GetImportAsync(tenant, started.Mailbox, started.Id, c.Cancellation);
        if (c.Output.Json)
        {
            while (!reply.Value.Ended)
            {
                await Task.Delay(PollInterval, c.Cancellation);
                reply = await c.Api.GetImportAsync(tenant, started.Mailbox, started.Id, c.Cancellation);
            }
        }
        else
        {
            await c.Output.Progress().StartAsync(async progress =>
            {
                var bar = progress.AddTask($"{started.Kind} into {started.Mailbox}", autoStart: true, maxValue: 1);
                while (true)
                {
                    var now = reply.Value;
                    bar.MaxValue = Math.Max(1, Math.Max(now.MessagesTotal, now.MessagesCopied));
                    bar.Value = now.MessagesCopied;
                    bar.Description = $"{started.Kind} into {started.Mailbox}: {now.MessagesCopied} of {now.MessagesTotal} ({now.Status})";
                    if (now.Ended)
                    {
                        bar.StopTask();
                        return;
                    }
                    await Task.Delay(PollInterval, c.Cancellation);
                    reply = await c.Api.GetImportAsync(tenant, started.Mailbox, started.Id, c.Cancellation);
                }
            });
        }
        c.Output.Show(reply, Describe);
        return reply.Value.Status == "completed" ? ExitCodes.Ok : ExitCodes.Refused;
    }

    private static void Describe(CliOutput output, MailboxImport i)
    {
        output.Line($"Import {i.Id} into {i.Mailbox} ({i.Kind}): {i.Status}, {i.MessagesCopied} of {i.MessagesTotal} messages, " +
            $"{i.FoldersDone} of {i.FoldersTotal} folders, {i.Errors} errors.");
        if (i.LastError is { } error)
        {
            output.Line("Last error: " + error);
        }
    }

    /// <summary>The source's password from standard input (<c>--password-stdin</c>) or asked for on a terminal — never from the command line, where other users and the shell's history see it.</summary>
    private static string ReadPassword(Invocation c, bool fromStdin, string login, string server)
    {
        string? password;
        if (fromStdin)
        {
            password = c.Context.In.ReadLine();
        }
        else if (c.Context.InIsTerminal)
        {
            password = AnsiConsole.Prompt(new TextPrompt<string>($"Password of {Markup.Escape(login)} at {Markup.Escape(server)}:").Secret());
        }
        else
        {
            throw new UsageException("The source's password: pass --password-stdin and write it to standard input.");
        }
        return string.IsNullOrEmpty(password) ? throw new UsageException("The source's password is empty.") : password;
    }
}
