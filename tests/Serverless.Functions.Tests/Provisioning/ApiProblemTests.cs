using System.Text.Json;
using Serverless.Functions.Http.Api;
using Serverless.Mail.Provisioning;
using Xunit;

namespace Serverless.Functions.Tests.Provisioning;

/// <summary>Core's refusals become the problem responses the API has always sent.</summary>
public sealed class ApiProblemTests
{
    [Fact]
    public void Each_kind_of_core_error_is_its_status_with_the_same_body()
    {
        var fields = new[] { new FieldError("targets.0", "is the alias itself.") };
        AssertSame(ApiProblem.Invalid(fields), ApiProblem.From(ProvisioningError.Invalid(fields)));
        AssertSame(ApiProblem.NotFound("Alias 'x' not found."), ApiProblem.From(ProvisioningError.NotFound("Alias 'x' not found.")));
        AssertSame(ApiProblem.Conflict("taken"), ApiProblem.From(ProvisioningError.Conflict("taken")));

        var invalid = JsonDocument.Parse(ApiProblem.From(ProvisioningError.Invalid(fields)).SerializeBody()).RootElement;
        Assert.Equal("targets.0: is the alias itself.", invalid.GetProperty("detail").GetString());
        Assert.Equal("#/targets/0", invalid.GetProperty("errors")[0].GetProperty("pointer").GetString());
    }

    private static void AssertSame(ApiResult expected, ApiResult actual)
    {
        Assert.Equal(expected.StatusCode, actual.StatusCode);
        Assert.Equal(expected.ContentType, actual.ContentType);
        Assert.Equal(expected.SerializeBody(), actual.SerializeBody());
    }
}
