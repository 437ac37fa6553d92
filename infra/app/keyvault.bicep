// Two Key Vaults in RBAC mode. The main one: DKIM private keys (written by the provisioning API),
// the admin API key and the smart-host credentials, read by the function app only. The TLS one:
// the listeners' certificate (imported by the operator) and nothing else, so the listeners'
// identity, which reads it, can read no other secret. App settings point at secrets with Key
// Vault references, so no secret is in any setting.
param location string
param tags object
param keyVaultName string
param tlsKeyVaultName string

@description('Purge protection keeps deleted secrets for 90 days but blocks reusing the vault name after `azd down --purge`.')
param enablePurgeProtection bool = false

@secure()
param adminApiKey string

@secure()
@description('HMAC key of SRS addresses (Mail:Srs:Secret).')
param srsSecret string

@secure()
@description('Key that encrypts IMAP import source passwords (Mail:Import:SecretKey).')
param importSecret string

@description('Smart host for outbound mail, e.g. smtp.azurecomm.net. Empty: no smart-host secrets are written.')
param smartHostHost string = ''

param smartHostUserName string = ''

@secure()
param smartHostPassword string = ''

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: enablePurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

resource adminKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'mail-admin-api-key'
  properties: {
    value: adminApiKey
    contentType: 'text/plain'
  }
}

resource srs 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'mail-srs-secret'
  properties: {
    value: srsSecret
    contentType: 'text/plain'
  }
}

resource importKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'mail-import-secret'
  properties: {
    value: importSecret
    contentType: 'text/plain'
  }
}

resource smartHost 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(smartHostHost)) {
  parent: vault
  name: 'smarthost-host'
  properties: { value: smartHostHost, contentType: 'text/plain' }
}

resource smartHostUser 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(smartHostUserName)) {
  parent: vault
  name: 'smarthost-username'
  properties: { value: smartHostUserName, contentType: 'text/plain' }
}

resource smartHostPass 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(smartHostPassword)) {
  parent: vault
  name: 'smarthost-password'
  properties: { value: smartHostPassword, contentType: 'text/plain' }
}

resource tlsVault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: tlsKeyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: enablePurgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

output keyVaultName string = vault.name
output keyVaultUri string = vault.properties.vaultUri
output tlsKeyVaultName string = tlsVault.name
output tlsKeyVaultUri string = tlsVault.properties.vaultUri
