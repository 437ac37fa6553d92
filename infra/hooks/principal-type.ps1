# preprovision hook (azure.yaml), Windows twin of principal-type.sh: User or ServicePrincipal
# for the operator's role assignments, read from the idtyp claim of azd's access token.
$ErrorActionPreference = 'Stop'
if ($env:AZURE_PRINCIPAL_TYPE) {
    Write-Host "AZURE_PRINCIPAL_TYPE=$($env:AZURE_PRINCIPAL_TYPE) (set by the caller)"
    exit 0
}
$type = 'User'
try {
    $token = (azd auth token --output json | ConvertFrom-Json).token
    $payload = $token.Split('.')[1].Replace('-', '+').Replace('_', '/')
    $payload += '=' * ((4 - $payload.Length % 4) % 4)
    $claims = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($payload)) | ConvertFrom-Json
    if ($claims.idtyp -eq 'app') { $type = 'ServicePrincipal' }
} catch {
    if ($env:AZURE_CLIENT_ID -and $env:AZURE_TENANT_ID) { $type = 'ServicePrincipal' }
}
azd env set AZURE_PRINCIPAL_TYPE $type
Write-Host "AZURE_PRINCIPAL_TYPE=$type"
