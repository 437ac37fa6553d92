// The client-facing listeners (azd service `listeners`): submission, IMAP and POP3 on a Container
// App with external TCP ingress. Container Apps' ingress proxy hides the client IP (see
// docs/architecture.md, "Deployment"), so the MX is not here but in mx.bicep.
param location string
param tags object
param environmentName string
param containerAppName string
param subnetId string
param identityName string
param containerRegistryName string
param storageAccountName string
@description('The Key Vault that holds only the listeners\' TLS certificate.')
param tlsKeyVaultName string
param applicationInsightsName string
param logAnalyticsName string
param mailHostName string

@description('The names on the listeners\' certificate (both placements answer HTTP-01 for them on port 80).')
param certificateHostNames array

@description('ACME directory; empty: no ACME (the certificate is imported by hand).')
param acmeDirectoryUrl string

param acmeContactEmail string

@description('Image built by `azd deploy`; empty on the first provision (a placeholder runs until then).')
param imageName string

param minReplicas int = 1
param maxReplicas int = 10

@description('Connections per replica before another replica is added.')
param concurrentConnectionsPerReplica int = 200

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: identityName
}

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: containerRegistryName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource tlsVault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: tlsKeyVaultName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: logAnalyticsName
}

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: environmentName
  location: location
  tags: tags
  properties: {
    workloadProfiles: [ { name: 'Consumption', workloadProfileType: 'Consumption' } ]
    vnetConfiguration: {
      infrastructureSubnetId: subnetId
      internal: false
    }
    appLogsConfiguration: {
      destination: 'azure-monitor'
    }
    zoneRedundant: false
  }
}

// Console and system logs go to the workspace through diagnostic settings (no workspace key).
resource environmentLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'logs-to-workspace'
  scope: environment
  properties: {
    workspaceId: logAnalytics.id
    logs: [ { categoryGroup: 'allLogs', enabled: true } ]
  }
}

var hasImage = !empty(imageName)

// Ports as literals (not computed) so the compiled template can be checked port by port; the
// infrastructure tests assert that what is exposed is exactly what the container listens on.
var probes = [
  {
    type: 'Startup'
    httpGet: { path: '/healthz', port: 8080 }
    periodSeconds: 2
    failureThreshold: 30
  }
  {
    type: 'Liveness'
    httpGet: { path: '/healthz', port: 8080 }
    periodSeconds: 15
    failureThreshold: 3
  }
  {
    type: 'Readiness'
    tcpSocket: { port: 587 }
    periodSeconds: 10
  }
]

// Before the first `azd deploy` the placeholder image runs: it serves HTTP on port 80 only, so
// the default probes (TCP on the ingress port, 587) would mark the first revision unhealthy and
// the provision would fail or wait. Probes on its own port keep that revision healthy.
var placeholderProbes = [
  {
    type: 'Startup'
    tcpSocket: { port: 80 }
    periodSeconds: 2
    failureThreshold: 30
  }
  {
    type: 'Liveness'
    tcpSocket: { port: 80 }
    periodSeconds: 15
  }
  {
    type: 'Readiness'
    tcpSocket: { port: 80 }
    periodSeconds: 10
  }
]

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: containerAppName
  location: location
  tags: union(tags, { 'azd-service-name': 'listeners' })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    environmentId: environment.id
    workloadProfileName: 'Consumption'
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        external: true
        transport: 'tcp'
        targetPort: 587
        exposedPort: 587
        additionalPortMappings: [
          { external: true, targetPort: 465, exposedPort: 465 }
          { external: true, targetPort: 143, exposedPort: 143 }
          { external: true, targetPort: 993, exposedPort: 993 }
          { external: true, targetPort: 110, exposedPort: 110 }
          { external: true, targetPort: 995, exposedPort: 995 }
          { external: true, targetPort: 4190, exposedPort: 4190 }
          { external: true, targetPort: 80, exposedPort: 80 }
        ]
      }
      registries: [ { server: registry.properties.loginServer, identity: identity.id } ]
    }
    template: {
      containers: [
        {
          name: 'listeners'
          image: hasImage ? imageName : 'mcr.microsoft.com/k8se/quickstart:latest'
          resources: { cpu: json('0.5'), memory: '1Gi' }
          env: [
            // The settings the listener code reads (README.md, "Configuration"); mx.bicep has the same set.
            { name: 'Mail__Listeners__BindAddress', value: '0.0.0.0' }
            { name: 'Mail__Listeners__HostName', value: mailHostName }
            { name: 'Mail__Listeners__Ports__Smtp', value: '0' }
            { name: 'Mail__Listeners__Ports__Submission', value: '587' }
            { name: 'Mail__Listeners__Ports__Submissions', value: '465' }
            { name: 'Mail__Listeners__Ports__Imap', value: '143' }
            { name: 'Mail__Listeners__Ports__Imaps', value: '993' }
            { name: 'Mail__Listeners__Ports__Pop3', value: '110' }
            { name: 'Mail__Listeners__Ports__Pop3s', value: '995' }
            { name: 'Mail__Listeners__Ports__ManageSieve', value: '4190' }
            { name: 'Mail__Listeners__Ports__Health', value: '8080' }
            // The client IP seen here is the ingress proxy's, shared by all clients: per-IP limits
            // would throttle everyone at once. Connections are capped service-wide instead, and
            // failed logins are counted per account only (README, "Login throttling").
            { name: 'Mail__Listeners__MaxConnectionsPerIp', value: '100000' }
            { name: 'Mail__Listeners__ClientAddressesHidden', value: 'true' }
            { name: 'Mail__Storage__AccountName', value: storage.name }
            { name: 'Mail__Storage__ClientId', value: identity.properties.clientId }
            { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
            { name: 'Mail__Tls__KeyVaultUri', value: tlsVault.properties.vaultUri }
            { name: 'Mail__Tls__KeyVaultCertificateName', value: 'listener-tls' }
            // ACME (README, "Certificates"): port 80 answers HTTP-01 only; the certificate goes to the TLS vault.
            { name: 'Mail__Listeners__Ports__Http', value: '80' }
            { name: 'Mail__Acme__DirectoryUrl', value: acmeDirectoryUrl }
            { name: 'Mail__Acme__ContactEmail', value: acmeContactEmail }
            { name: 'Mail__Acme__HostNames__0', value: certificateHostNames[0] }
            { name: 'Mail__Acme__HostNames__1', value: certificateHostNames[1] }
            { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsights.properties.ConnectionString }
            { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identity.properties.clientId};Authorization=AAD' }
          ]
          probes: hasImage ? probes : placeholderProbes
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
        rules: [
          {
            name: 'tcp-connections'
            tcp: { metadata: { concurrentConnections: string(concurrentConnectionsPerReplica) } }
          }
        ]
      }
    }
  }
}

output containerAppName string = app.name
output environmentName string = environment.name
output staticIp string = environment.properties.staticIp
output fqdn string = app.properties.configuration.ingress.fqdn
