// The function app (azd service `api`): Flex Consumption, .NET isolated worker on .NET 10,
// reaching storage, Key Vault and Application Insights with its user-assigned identity only.
param location string
param tags object
param functionAppName string
param appServicePlanName string
param storageAccountName string
param deploymentContainerName string
param identityName string
param applicationInsightsName string
param keyVaultName string
param mailHostName string

@description('Host name hosted domains\' MX records point at.')
param mxHostName string

@description('Host name mail clients connect to (the listeners): autoconfiguration and SRV records name it.')
param clientHostName string

@description('The MX\'s public IP address, which dns-check compares the MX host with; empty before the MX exists.')
param mxAddress string = ''

@description('SPF mechanisms the provisioning API puts before ~all in each domain\'s record.')
param spfMechanisms string

@allowed([ 'SmartHost', 'DirectMx' ])
param outboundMode string

@description('Subnet for VNet integration (direct-MX mode, behind the NAT gateway); empty: none.')
param subnetId string = ''

param smartHostConfigured bool
param smartHostUserConfigured bool
param smartHostPasswordConfigured bool
param smartHostPort int

param maximumInstanceCount int = 40
param instanceMemoryMB int = 2048

@description('Always-ready instances for the InboundIngest function (per-function scaling): 0 scales to zero when idle.')
param inboundAlwaysReady int = 0

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: identityName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: appServicePlanName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

// Key Vault references ('@Microsoft.KeyVault(...)'): the platform resolves them with the identity,
// so the values never appear in the template, the settings or the deployment history.
var kvRef = '@Microsoft.KeyVault(VaultName=${vault.name};SecretName='

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: functionAppName
  location: location
  tags: union(tags, { 'azd-service-name': 'api' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    virtualNetworkSubnetId: empty(subnetId) ? null : subnetId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        // The ingest polls its queue every maxPollingInterval (host.json) only while an instance runs.
        alwaysReady: inboundAlwaysReady > 0 ? [ { name: 'function:InboundIngest', instanceCount: inboundAlwaysReady } ] : []
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: {
    // The Functions host (triggers, deployment) reaches storage with the identity.
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identity.properties.clientId
    AzureWebJobsStorage__blobServiceUri: storage.properties.primaryEndpoints.blob
    AzureWebJobsStorage__queueServiceUri: storage.properties.primaryEndpoints.queue
    AzureWebJobsStorage__tableServiceUri: storage.properties.primaryEndpoints.table
    // The mail code's own storage clients (core StorageOptions) and Azure SDK clients.
    Mail__Storage__AccountName: storage.name
    Mail__Storage__ClientId: identity.properties.clientId
    AZURE_CLIENT_ID: identity.properties.clientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.properties.clientId};Authorization=AAD'
    Mail__AdminApiKey: '${kvRef}mail-admin-api-key)'
    // SRS (forwarding): the same key as the MX's, which checks bounces to SRS addresses.
    Mail__Srs__Secret: '${kvRef}mail-srs-secret)'
    // Imports from other IMAP servers: the key their source passwords are encrypted with.
    Mail__Import__SecretKey: '${kvRef}mail-import-secret)'
    Mail__KeyVault__Uri: vault.properties.vaultUri
    Mail__KeyVault__ClientId: identity.properties.clientId
    // What the provisioning API tells tenants to publish, and where it finds the caller's IP
    // (App Service's front end appends it to X-Forwarded-For).
    Mail__Provisioning__MailHost: mxHostName
    Mail__Provisioning__SpfMechanisms: spfMechanisms
    Mail__Provisioning__ClientIpHeader: 'X-Forwarded-For'
    Mail__Listeners__HostName: mailHostName
    Mail__Outbound__HeloName: mailHostName
    // An empty smart host means direct MX (the outbound relay's own rule); in direct-MX mode a
    // configured smart host is ignored so the two modes cannot mix.
    Mail__Outbound__SmartHost__Host: smartHostConfigured && outboundMode == 'SmartHost' ? '${kvRef}smarthost-host)' : ''
    Mail__Outbound__SmartHost__Port: string(smartHostPort)
    Mail__Outbound__SmartHost__UserName: smartHostUserConfigured ? '${kvRef}smarthost-username)' : ''
    Mail__Outbound__SmartHost__Password: smartHostPasswordConfigured ? '${kvRef}smarthost-password)' : ''
    // Autoconfiguration, Autodiscover and SRV records send clients to the listeners, not to the
    // HELO name (which is smtp-out.* in direct-MX mode).
    Mail__Provisioning__ClientHost: clientHostName
    // dns-check: whether the MX host resolves to the MX (empty, "unchecked", until the MX exists).
    Mail__Provisioning__MxAddresses__0: mxAddress
  }
}

output functionAppName string = functionApp.name
output apiBaseUrl string = 'https://${functionApp.properties.defaultHostName}/api'
