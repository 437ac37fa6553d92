// Every role any identity holds, in one place, each on the one resource it is needed for.
//
// api (function app):   Blob Data Owner (Functions host: deployment package, blob leases),
//                       Queue Data Contributor (queue triggers, hand-offs), Table Data Contributor
//                       (directory, mailbox index), Key Vault Secrets Officer (writes DKIM keys,
//                       reads the admin key and smart-host secrets), Monitoring Metrics Publisher.
// listeners (both placements): Blob/Queue/Table Data Contributor (spool blobs, hand-offs,
//                       mailboxes), Key Vault Secrets User on the TLS vault only (reads the
//                       certificate's secret; the admin key, smart-host password and DKIM keys
//                       live in the main vault, which the listeners cannot read), and with ACME
//                       Key Vault Certificates Officer there too (reads the certificate's expiry,
//                       imports the renewed one),
//                       AcrPull (image pulls without registry passwords), Monitoring Metrics Publisher.
// operator (optional principalId): Key Vault Certificates Officer on the TLS vault (imports the
//                       certificate), Secrets Officer on the main vault (reads or rotates secrets).
param storageAccountName string
param keyVaultName string
param tlsKeyVaultName string
param containerRegistryName string
param applicationInsightsName string
param apiIdentityName string
param listenersIdentityName string

@description('Object id of the person or pipeline running azd (AZURE_PRINCIPAL_ID); empty: none.')
param operatorPrincipalId string = ''

@allowed([ 'User', 'ServicePrincipal', 'Group' ])
param operatorPrincipalType string = 'User'

@description('The listeners order their certificate by ACME and import it into the TLS vault.')
param acmeEnabled bool = false


resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource tlsVault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: tlsKeyVaultName
}

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: containerRegistryName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource api 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: apiIdentityName
}

resource listeners 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: listenersIdentityName
}

// --- api ---

resource apiBlob 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, api.id, 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b') // Storage Blob Data Owner
    principalId: api.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource apiQueue 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, api.id, '974c5e8b-45b9-4653-ba55-5f855dd0fb88')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '974c5e8b-45b9-4653-ba55-5f855dd0fb88') // Storage Queue Data Contributor
    principalId: api.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource apiTable 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, api.id, '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3') // Storage Table Data Contributor
    principalId: api.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource apiSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, api.id, 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7')
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7') // Key Vault Secrets Officer
    principalId: api.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource apiTelemetry 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, api.id, '3913510d-42f4-4e42-8a64-420c390055eb')
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '3913510d-42f4-4e42-8a64-420c390055eb') // Monitoring Metrics Publisher
    principalId: api.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// --- listeners ---

resource listenersBlob 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, listeners.id, 'ba92f5b4-2d11-453d-a403-e96b0029c9fe')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'ba92f5b4-2d11-453d-a403-e96b0029c9fe') // Storage Blob Data Contributor
    principalId: listeners.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource listenersQueue 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, listeners.id, '974c5e8b-45b9-4653-ba55-5f855dd0fb88')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '974c5e8b-45b9-4653-ba55-5f855dd0fb88') // Storage Queue Data Contributor
    principalId: listeners.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource listenersTable 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, listeners.id, '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3') // Storage Table Data Contributor
    principalId: listeners.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource listenersSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(tlsVault.id, listeners.id, '4633458b-17de-408a-b874-0445c86b69e6')
  scope: tlsVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4633458b-17de-408a-b874-0445c86b69e6') // Key Vault Secrets User
    principalId: listeners.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource listenersCertificates 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (acmeEnabled) {
  name: guid(tlsVault.id, listeners.id, 'a4417e6f-fecd-4de8-b567-7b0420556985')
  scope: tlsVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'a4417e6f-fecd-4de8-b567-7b0420556985') // Key Vault Certificates Officer
    principalId: listeners.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource listenersPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, listeners.id, '7f951dda-4ed3-4680-a7ca-43fe172d538d')
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d') // AcrPull
    principalId: listeners.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource listenersTelemetry 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, listeners.id, '3913510d-42f4-4e42-8a64-420c390055eb')
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '3913510d-42f4-4e42-8a64-420c390055eb') // Monitoring Metrics Publisher
    principalId: listeners.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// --- operator ---

resource operatorCertificates 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(tlsVault.id, operatorPrincipalId, 'a4417e6f-fecd-4de8-b567-7b0420556985')
  scope: tlsVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'a4417e6f-fecd-4de8-b567-7b0420556985') // Key Vault Certificates Officer
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
  }
}

resource operatorSecrets 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(operatorPrincipalId)) {
  name: guid(vault.id, operatorPrincipalId, 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7')
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7') // Key Vault Secrets Officer
    principalId: operatorPrincipalId
    principalType: operatorPrincipalType
  }
}
