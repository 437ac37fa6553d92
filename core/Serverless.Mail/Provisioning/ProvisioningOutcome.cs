namespace Serverless.Mail.Provisioning;

/// <summary>Why a provisioning request was refused. The host turns each kind into its own answer (HTTP: 400, 404, 409).</summary>
public enum ProvisioningErrorKind
{
    /// <summary>One or more fields break a rule; <see cref="ProvisioningError.Fields"/> names them.</summary>
    Invalid,

    /// <summary>What the request names does not exist (or belongs to another tenant).</summary>
    NotFound,

    /// <summary>The request clashes with what exists.</summary>
    Conflict,
}

/// <summary>What is wrong with one field. Nested fields use dots and indexes: <c>targets.2</c>.</summary>
public sealed record FieldError(string Field, string Detail);

/// <summary>A refused request: the kind, a sentence for people, and for <see cref="ProvisioningErrorKind.Invalid"/> the fields in error.</summary>
public sealed record ProvisioningError(ProvisioningErrorKind Kind, string Detail, IReadOnlyList<FieldError> Fields)
{
    /// <summary>The first field is named in <see cref="Detail"/> too.</summary>
    public static ProvisioningError Invalid(IReadOnlyList<FieldError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count == 0)
        {
            throw new ArgumentException("A validation error needs at least one field.", nameof(errors));
        }
        return new(ProvisioningErrorKind.Invalid, $"{errors[0].Field}: {errors[0].Detail}", errors);
    }

    public static ProvisioningError Invalid(string field, string detail) => Invalid([new FieldError(field, detail)]);

    public static ProvisioningError NotFound(string detail) => new(ProvisioningErrorKind.NotFound, detail, []);

    public static ProvisioningError Conflict(string detail) => new(ProvisioningErrorKind.Conflict, detail, []);
}

/// <summary>Either what a provisioning request produced or why it was refused.</summary>
public readonly record struct ProvisioningOutcome<T>
{
    private ProvisioningOutcome(T? value, ProvisioningError? error)
    {
        Value = value;
        Error = error;
    }

    /// <summary>Set when <see cref="Error"/> is null.</summary>
    public T? Value { get; }

    public ProvisioningError? Error { get; }

    public static implicit operator ProvisioningOutcome<T>(T value) => new(value, null);

    public static implicit operator ProvisioningOutcome<T>(ProvisioningError error) => new(default, error ?? throw new ArgumentNullException(nameof(error)));
}

/// <summary>A request that produces nothing but can be refused (deletes, password changes).</summary>
public sealed record Done
{
    public static readonly Done Instance = new();

    private Done()
    {
    }
}
