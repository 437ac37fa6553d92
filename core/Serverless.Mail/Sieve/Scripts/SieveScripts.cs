using System.Text;
using Azure;
using Azure.Data.Tables;
using Serverless.Mail.Storage;

namespace Serverless.Mail.Sieve.Scripts;

/// <summary>A stored script's name and whether it is the active one (LISTSCRIPTS).</summary>
public sealed record SieveScriptInfo(string Name, bool Active);

/// <summary>What a script change came to; ManageSieve turns each into its response code (RFC 5804 1.3).</summary>
public enum SieveChange
{
    Done,

    /// <summary>NO (NONEXISTENT): no script by that name.</summary>
    NonExistent,

    /// <summary>NO (ALREADYEXISTS): RENAMESCRIPT to a name in use.</summary>
    AlreadyExists,

    /// <summary>NO (ACTIVE): DELETESCRIPT of the active script.</summary>
    Active,

    /// <summary>NO (QUOTA/MAXSCRIPTS): one script more than allowed.</summary>
    TooManyScripts,

    /// <summary>NO (QUOTA/MAXSIZE): larger than allowed.</summary>
    TooLarge,
}

/// <summary>
/// The Sieve scripts of each mailbox (RFC 5804 semantics): any number up to
/// <see cref="SieveOptions.MaxScripts"/>, at most one active, plus the managed vacation. Every
/// change rewrites the mailbox's <c>sieve</c> state row under its ETag in the same entity-group
/// transaction as the script row, so concurrent changes serialise and the copy of the active
/// script's text in that row never disagrees with the script: the ingest reads one row.
/// </summary>
public sealed class SieveScripts(MailStorage storage, SieveOptions options)
{
    private const int Attempts = 20;
    private readonly TableClient _table = storage.MailIndex;

    public SieveOptions Options => options;

    public async Task<IReadOnlyList<SieveScriptInfo>> ListAsync(string mailboxId, CancellationToken cancellationToken)
    {
        var active = (await ReadStateAsync(mailboxId, cancellationToken).ConfigureAwait(false))?.GetString("Active");
        var names = await ListNamesAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        return names.Select(n => new SieveScriptInfo(n, n == active)).ToList();
    }

    /// <summary>The script's text, or null when there is no such script.</summary>
    public async Task<string?> GetAsync(string mailboxId, string name, CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(mailboxId, SieveScriptRows.ScriptRow(name), cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? SieveScriptRows.ReadText(row.Value!, "S") ?? "" : null;
    }

    /// <summary>HAVESPACE: would a script of this name and size fit (Done, TooManyScripts or TooLarge).</summary>
    public async Task<SieveChange> HaveSpaceAsync(string mailboxId, string name, long bytes, CancellationToken cancellationToken)
    {
        if (bytes > options.EffectiveMaxScriptBytes)
        {
            return SieveChange.TooLarge;
        }
        var names = await ListNamesAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        return names.Count >= options.MaxScripts && !names.Contains(name) ? SieveChange.TooManyScripts : SieveChange.Done;
    }

    /// <summary>PUTSCRIPT: stores (or replaces) a script already checked by the caller.</summary>
    public Task<SieveChange> PutAsync(string mailboxId, string name, string text, CancellationToken cancellationToken)
    {
        if (Encoding.UTF8.GetByteCount(text) > options.EffectiveMaxScriptBytes)
        {
            return Task.FromResult(SieveChange.TooLarge);
        }
        return ChangeAsync(mailboxId, async (state, actions) =>
        {
            var names = await ListNamesAsync(mailboxId, cancellationToken).ConfigureAwait(false);
            if (names.Count >= options.MaxScripts && !names.Contains(name))
            {
                return SieveChange.TooManyScripts;
            }
            var row = new TableEntity(mailboxId, SieveScriptRows.ScriptRow(name)) { ["Name"] = name };
            SieveScriptRows.WriteText(row, "S", text);
            actions.Add(new(TableTransactionActionType.UpsertReplace, row));
            if (state.GetString("Active") == name)
            {
                SieveScriptRows.WriteText(state, "A", text);
            }
            return SieveChange.Done;
        }, cancellationToken);
    }

    /// <summary>SETACTIVE: makes <paramref name="name"/> the active script; "" deactivates whatever is active.</summary>
    public Task<SieveChange> SetActiveAsync(string mailboxId, string name, CancellationToken cancellationToken) =>
        ChangeAsync(mailboxId, async (state, _) =>
        {
            if (name.Length == 0)
            {
                state.Remove("Active");
                SieveScriptRows.WriteText(state, "A", null);
                return SieveChange.Done;
            }
            var text = await GetAsync(mailboxId, name, cancellationToken).ConfigureAwait(false);
            if (text is null)
            {
                return SieveChange.NonExistent;
            }
            state["Active"] = name;
            SieveScriptRows.WriteText(state, "A", text);
            return SieveChange.Done;
        }, cancellationToken);

    /// <summary>DELETESCRIPT: the active script cannot be deleted (RFC 5804 2.10).</summary>
    public Task<SieveChange> DeleteAsync(string mailboxId, string name, CancellationToken cancellationToken) =>
        ChangeAsync(mailboxId, async (state, actions) =>
        {
            if (state.GetString("Active") == name)
            {
                return SieveChange.Active;
            }
            if (await GetAsync(mailboxId, name, cancellationToken).ConfigureAwait(false) is null)
            {
                return SieveChange.NonExistent;
            }
            actions.Add(new(TableTransactionActionType.Delete, new TableEntity(mailboxId, SieveScriptRows.ScriptRow(name)), ETag.All));
            return SieveChange.Done;
        }, cancellationToken);

    /// <summary>RENAMESCRIPT: the active script stays active under its new name (RFC 5804 2.11.1).</summary>
    public Task<SieveChange> RenameAsync(string mailboxId, string oldName, string newName, CancellationToken cancellationToken) =>
        ChangeAsync(mailboxId, async (state, actions) =>
        {
            var text = await GetAsync(mailboxId, oldName, cancellationToken).ConfigureAwait(false);
            if (text is null)
            {
                return SieveChange.NonExistent;
            }
            if (oldName == newName)
            {
                return SieveChange.Done;
            }
            if (await GetAsync(mailboxId, newName, cancellationToken).ConfigureAwait(false) is not null)
            {
                return SieveChange.AlreadyExists;
            }
            var row = new TableEntity(mailboxId, SieveScriptRows.ScriptRow(newName)) { ["Name"] = newName };
            SieveScriptRows.WriteText(row, "S", text);
            actions.Add(new(TableTransactionActionType.Add, row));
            actions.Add(new(TableTransactionActionType.Delete, new TableEntity(mailboxId, SieveScriptRows.ScriptRow(oldName)), ETag.All));
            if (state.GetString("Active") == oldName)
            {
                state["Active"] = newName;
            }
            return SieveChange.Done;
        }, cancellationToken);

    public async Task<VacationSettings> GetVacationAsync(string mailboxId, CancellationToken cancellationToken) =>
        (await ReadStateAsync(mailboxId, cancellationToken).ConfigureAwait(false)) is { } state
            ? SieveScriptRows.ReadVacation(state) ?? VacationSettings.Off
            : VacationSettings.Off;

    public Task SetVacationAsync(string mailboxId, VacationSettings vacation, CancellationToken cancellationToken) =>
        ChangeAsync(mailboxId, (state, _) =>
        {
            SieveScriptRows.WriteVacation(state, vacation);
            return Task.FromResult(SieveChange.Done);
        }, cancellationToken);

    /// <summary>The active script's name and text and the vacation, from the one state row (one point read).</summary>
    public async Task<(string? Name, string? Text, VacationSettings? Vacation)> ReadActiveAsync(string mailboxId, CancellationToken cancellationToken)
    {
        var state = await ReadStateAsync(mailboxId, cancellationToken).ConfigureAwait(false);
        return state is null
            ? (null, null, null)
            : (state.GetString("Active"), SieveScriptRows.ReadText(state, "A"), SieveScriptRows.ReadVacation(state));
    }

    private async Task<TableEntity?> ReadStateAsync(string mailboxId, CancellationToken cancellationToken)
    {
        var row = await _table.GetEntityIfExistsAsync<TableEntity>(mailboxId, SieveScriptRows.StateRow, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value : null;
    }

    private async Task<List<string>> ListNamesAsync(string mailboxId, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await foreach (var e in _table.QueryAsync<TableEntity>(SieveScriptRows.ScriptRange(mailboxId), select: ["Name"], cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            names.Add(e.GetString("Name"));
        }
        return names;
    }

    /// <summary>
    /// Reads the state row, lets <paramref name="change"/> adjust it and add script actions, and
    /// commits all in one transaction conditioned on the state row's ETag; a concurrent change
    /// makes it start over.
    /// </summary>
    private async Task<SieveChange> ChangeAsync(string mailboxId, Func<TableEntity, List<TableTransactionAction>, Task<SieveChange>> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var state = await ReadStateAsync(mailboxId, cancellationToken).ConfigureAwait(false);
            var exists = state is not null;
            state ??= new TableEntity(mailboxId, SieveScriptRows.StateRow);
            var actions = new List<TableTransactionAction>();
            var outcome = await change(state, actions).ConfigureAwait(false);
            if (outcome != SieveChange.Done)
            {
                return outcome;
            }
            actions.Add(exists
                ? new(TableTransactionActionType.UpdateReplace, state, state.ETag)
                : new(TableTransactionActionType.Add, state));
            try
            {
                await _table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                return SieveChange.Done;
            }
            catch (TableTransactionFailedException e) when (e.Status is 409 or 412 or 404 && attempt < Attempts)
            {
                // Another change came first (state row's ETag, or the new name taken): read again,
                // after a short random pause so racing writers of one mailbox spread out.
                await Task.Delay(Random.Shared.Next(5, 20 + (10 * attempt)), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
