// Serverless Mail on Azure: `azd up` turns an empty subscription into a running mail service.
// Layout (docs/architecture.md, "Deployment"): the function app on Flex Consumption, the client
// listeners on Container Apps, the MX on Container Instances (client IP preserved), one storage
// account, Key Vault, Log Analytics + Application Insights, all reached with managed identities.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; it names the resource group and seeds every resource name.')
param environmentName string

// Regions that offer Flex Consumption (FC1), so `azd up` cannot stop halfway at the function
// app. List as of 2026-02-21: the @allowed list of Azure-Samples/functions-quickstart-dotnet-azd
// infra/main.bicep (commit 9633052), which follows `az functionapp list-flexconsumption-locations`,
// less the canary region eastus2euap. Container Apps and Container Instances run in all of them.
@minLength(1)
@description('Azure region for everything (must offer Flex Consumption and Container Apps).')
@allowed([
  'australiaeast'
  'australiasoutheast'
  'brazilsouth'
  'canadacentral'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'italynorth'
  'japaneast'
  'koreacentral'
  'northcentralus'
  'northeurope'
  'norwayeast'
  'southafricanorth'
  'southcentralus'
  'southeastasia'
  'southindia'
  'spaincentral'
  'swedencentral'
  'uaenorth'
  'uksouth'
  'ukwest'
  'westcentralus'
  'westeurope'
  'westus'
  'westus2'
  'westus3'
])
@metadata({ azd: { type: 'location' } })
param location string

@minLength(3)
@description('Domain under which the service\'s own host names live: mail.<domain> (clients), mx.<domain> (MX), smtp-out.<domain> (direct-MX sender). Set with `azd env set MAIL_SERVICE_DOMAIN example.com`.')
param serviceDomain string

@description('ACME directory the listeners order and renew their certificate from (HTTP-01 on port 80; README, "Certificates"). Empty: no ACME, import `listener-tls` into the TLS vault by hand.')
param acmeDirectoryUrl string = 'https://acme-v02.api.letsencrypt.org/directory'

@description('Contact address of the ACME account (the CA writes to it about expiry); optional.')
param acmeContactEmail string = ''

@allowed([ 'SmartHost', 'DirectMx' ])
@description('Outbound delivery: through a smart host (default; Azure blocks outbound port 25 for most subscriptions) or straight to MX hosts from a static IP behind a NAT gateway.')
param outboundMode string = 'SmartHost'

@description('SPF mechanisms for hosted domains (before ~all), e.g. the smart host\'s include:...; empty: a:smtp-out.<domain> in direct-MX mode, mx otherwise.')
param spfMechanisms string = ''

@description('Smart host name, e.g. smtp.azurecomm.net; stored in Key Vault.')
param smartHostHost string = ''

@description('Smart host submission port (STARTTLS).')
param smartHostPort int = 587

@description('Smart host user name; stored in Key Vault.')
param smartHostUserName string = ''

@secure()
@description('Smart host password; stored in Key Vault, never in an app setting.')
param smartHostPassword string = ''

@secure()
@description('Admin API key (Authorization: Bearer). Generated once by azd and kept in Key Vault as mail-admin-api-key.')
@metadata({ azd: { type: 'generate', config: { length: 48, noSpecial: true } } })
param adminApiKey string

@secure()
@description('HMAC key of SRS addresses (forwarding, Mail:Srs:Secret). Generated once by azd and kept in Key Vault as mail-srs-secret; the MX gets it as a secure environment variable.')
@metadata({ azd: { type: 'generate', config: { length: 48, noSpecial: true } } })
param srsSecret string

@secure()
@description('Key that encrypts IMAP import source passwords while an import runs (Mail:Import:SecretKey). Generated once by azd and kept in Key Vault as mail-import-secret.')
@metadata({ azd: { type: 'generate', config: { length: 48, noSpecial: true } } })
param importSecret string

@description('Listener image pushed by `azd deploy` (SERVICE_LISTENERS_IMAGE_NAME); empty on the first provision.')
param listenersImageName string = ''

@minValue(1)
@description('Container App replicas that always run (mail ports must answer).')
param listenersMinReplicas int = 1

@description('Upper bound for connection-based scaling of the client listeners.')
param listenersMaxReplicas int = 10

@minValue(0)
@description('Always-ready Flex Consumption instances for the InboundIngest function: 0 lets the app scale to zero when no mail comes (the first message after a quiet spell then waits for an instance to start); 1 keeps new mail within a second at a baseline charge.')
param inboundAlwaysReady int = 0

@description('Object id of the operator running azd (AZURE_PRINCIPAL_ID): may import the TLS certificate and manage secrets.')
param principalId string = ''

@allowed([ 'User', 'ServicePrincipal', 'Group' ])
@description('What principalId is; the preprovision hook (infra/hooks/principal-type.sh) detects it as AZURE_PRINCIPAL_TYPE.')
param principalType string = 'User'

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var directMx = outboundMode == 'DirectMx'

var mailHostName = 'mail.${serviceDomain}'
var mxHostName = 'mx.${serviceDomain}'
var outboundHostName = directMx ? 'smtp-out.${serviceDomain}' : mailHostName

var names = {
  storage: '${abbrs.storageStorageAccounts}${resourceToken}'
  keyVault: '${abbrs.keyVaultVaults}${resourceToken}'
  tlsKeyVault: '${abbrs.keyVaultVaults}tls-${resourceToken}'
  registry: '${abbrs.containerRegistryRegistries}${resourceToken}'
  logAnalytics: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
  applicationInsights: '${abbrs.insightsComponents}${resourceToken}'
  apiIdentity: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
  listenersIdentity: '${abbrs.managedIdentityUserAssignedIdentities}listeners-${resourceToken}'
  functionApp: '${abbrs.webSitesFunctions}api-${resourceToken}'
  plan: '${abbrs.webServerFarms}${resourceToken}'
  containerAppsEnvironment: '${abbrs.appManagedEnvironments}${resourceToken}'
  listenersApp: '${abbrs.appContainerApps}listeners-${resourceToken}'
  mx: '${abbrs.containerInstanceContainerGroups}mx-${resourceToken}'
  virtualNetwork: '${abbrs.networkVirtualNetworks}${resourceToken}'
  listenersSubnet: '${abbrs.networkVirtualNetworksSubnets}listeners'
  apiSubnet: '${abbrs.networkVirtualNetworksSubnets}api'
  natGateway: '${abbrs.networkNatGateways}${resourceToken}'
  outboundIp: '${abbrs.networkPublicIPAddresses}outbound-${resourceToken}'
}

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    location: location
    tags: tags
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
  }
}

// The operator's workbook over the service's meters (docs/architecture.md, "Telemetry").
module dashboard 'app/dashboard.bicep' = {
  name: 'dashboard'
  scope: rg
  params: {
    location: location
    tags: tags
    applicationInsightsName: names.applicationInsights
  }
  dependsOn: [ monitoring ]
}

module identities 'app/identities.bicep' = {
  name: 'identities'
  scope: rg
  params: {
    location: location
    tags: tags
    apiIdentityName: names.apiIdentity
    listenersIdentityName: names.listenersIdentity
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    location: location
    tags: tags
    storageAccountName: names.storage
    deploymentContainerName: 'app-package'
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    location: location
    tags: tags
    keyVaultName: names.keyVault
    tlsKeyVaultName: names.tlsKeyVault
    adminApiKey: adminApiKey
    srsSecret: srsSecret
    importSecret: importSecret
    smartHostHost: smartHostHost
    smartHostUserName: smartHostUserName
    smartHostPassword: smartHostPassword
  }
}

module registry 'app/registry.bicep' = {
  name: 'registry'
  scope: rg
  params: {
    location: location
    tags: tags
    containerRegistryName: names.registry
  }
}

module network 'app/network.bicep' = {
  name: 'network'
  scope: rg
  params: {
    location: location
    tags: tags
    virtualNetworkName: names.virtualNetwork
    listenersSubnetName: names.listenersSubnet
    apiSubnetName: names.apiSubnet
    natGatewayName: names.natGateway
    outboundPublicIpName: names.outboundIp
    directMx: directMx
    outboundDnsLabel: 'smtp-out-${resourceToken}'
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: names.storage
    keyVaultName: names.keyVault
    tlsKeyVaultName: names.tlsKeyVault
    containerRegistryName: names.registry
    applicationInsightsName: names.applicationInsights
    apiIdentityName: names.apiIdentity
    listenersIdentityName: names.listenersIdentity
    operatorPrincipalId: principalId
    operatorPrincipalType: principalType
    acmeEnabled: !empty(acmeDirectoryUrl)
  }
  dependsOn: [ storage, keyVault, registry, monitoring, identities ]
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    location: location
    tags: tags
    functionAppName: names.functionApp
    appServicePlanName: names.plan
    storageAccountName: names.storage
    deploymentContainerName: 'app-package'
    identityName: names.apiIdentity
    applicationInsightsName: names.applicationInsights
    keyVaultName: names.keyVault
    mailHostName: outboundHostName
    mxHostName: mxHostName
    clientHostName: mailHostName
    // Known once the MX exists (the second provision of `azd up`); dns-check uses it.
    mxAddress: empty(listenersImageName) ? '' : mx!.outputs.ipAddress
    spfMechanisms: !empty(spfMechanisms) ? spfMechanisms : (directMx ? 'a:${outboundHostName}' : 'mx')
    outboundMode: outboundMode
    subnetId: network.outputs.apiSubnetId
    smartHostConfigured: !empty(smartHostHost)
    smartHostUserConfigured: !empty(smartHostUserName)
    smartHostPasswordConfigured: !empty(smartHostPassword)
    smartHostPort: smartHostPort
    inboundAlwaysReady: inboundAlwaysReady
  }
  // rbac first: the app's identity must hold its roles before the host starts.
  dependsOn: [ rbac ]
}

module listeners 'app/listeners.bicep' = {
  name: 'listeners'
  scope: rg
  params: {
    location: location
    tags: tags
    environmentName: names.containerAppsEnvironment
    containerAppName: names.listenersApp
    subnetId: network.outputs.listenersSubnetId
    identityName: names.listenersIdentity
    containerRegistryName: names.registry
    storageAccountName: names.storage
    tlsKeyVaultName: names.tlsKeyVault
    applicationInsightsName: names.applicationInsights
    logAnalyticsName: names.logAnalytics
    mailHostName: mailHostName
    certificateHostNames: [ mailHostName, mxHostName ]
    acmeDirectoryUrl: acmeDirectoryUrl
    acmeContactEmail: acmeContactEmail
    imageName: listenersImageName
    minReplicas: listenersMinReplicas
    maxReplicas: listenersMaxReplicas
  }
  dependsOn: [ rbac ]
}

// The MX needs the listener image, which exists only after the first `azd deploy`; `azd up`
// provisions again after deploying (azure.yaml, workflows), which creates it or moves it to
// the new image.
module mx 'app/mx.bicep' = if (!empty(listenersImageName)) {
  name: 'mx'
  scope: rg
  params: {
    location: location
    tags: tags
    containerGroupName: names.mx
    dnsLabel: 'mx-${resourceToken}'
    identityName: names.listenersIdentity
    containerRegistryName: names.registry
    storageAccountName: names.storage
    tlsKeyVaultName: names.tlsKeyVault
    applicationInsightsName: names.applicationInsights
    logAnalyticsName: names.logAnalytics
    mailHostName: mxHostName
    certificateHostNames: [ mailHostName, mxHostName ]
    acmeDirectoryUrl: acmeDirectoryUrl
    acmeContactEmail: acmeContactEmail
    srsSecret: srsSecret
    imageName: listenersImageName
  }
  dependsOn: [ rbac ]
}

var mxFqdn = empty(listenersImageName) ? '' : mx!.outputs.fqdn

// The records to publish for the service's own host names (hosted domains get theirs from the
// provisioning API). Values only: no secret is in any output.
var clientRecords = [
  { type: 'A', name: mailHostName, value: listeners.outputs.staticIp, purpose: 'IMAP, POP3 and submission clients' }
]
var mxRecords = empty(mxFqdn) ? [] : [
  { type: 'CNAME', name: mxHostName, value: '${mxFqdn}.', purpose: 'MX target for hosted domains (port 25, Container Instances)' }
]
var outboundRecords = directMx ? [
  { type: 'A', name: outboundHostName, value: network.outputs.outboundIpAddress, purpose: 'HELO name of direct-MX delivery' }
  { type: 'TXT', name: outboundHostName, value: 'v=spf1 ip4:${network.outputs.outboundIpAddress} -all', purpose: 'SPF for the HELO name' }
  { type: 'PTR', name: network.outputs.outboundIpAddress, value: '${outboundHostName}.', purpose: 'Reverse DNS of the outbound IP: request it (see OUTBOUND_PTR_REQUEST)' }
] : []

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_APPS_ENVIRONMENT_NAME string = listeners.outputs.environmentName
output AZURE_KEY_VAULT_NAME string = names.keyVault
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.keyVaultUri
output AZURE_TLS_KEY_VAULT_NAME string = names.tlsKeyVault
output AZURE_STORAGE_ACCOUNT_NAME string = names.storage
output SERVICE_API_NAME string = api.outputs.functionAppName
output SERVICE_LISTENERS_NAME string = listeners.outputs.containerAppName
output API_BASE_URL string = api.outputs.apiBaseUrl
output MAIL_HOST_NAME string = mailHostName
output MX_HOST_NAME string = mxHostName
output LISTENERS_ADDRESS string = listeners.outputs.staticIp
output LISTENERS_FQDN string = listeners.outputs.fqdn
output MX_ADDRESS string = mxFqdn
output OUTBOUND_MODE string = outboundMode
output OUTBOUND_IP string = network.outputs.outboundIpAddress
output OUTBOUND_PTR_REQUEST string = directMx ? 'az network public-ip update -g ${rg.name} -n ${names.outboundIp} --reverse-fqdn ${outboundHostName}.  (after the A record ${outboundHostName} -> ${network.outputs.outboundIpAddress} resolves)' : ''
output DASHBOARD_WORKBOOK_ID string = dashboard.outputs.workbookId
output DNS_RECORDS array = concat(clientRecords, mxRecords, outboundRecords)
