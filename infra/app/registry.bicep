// Container registry for the listener image. Pulls use the listeners' managed identity (AcrPull);
// the admin user (a registry password) stays off.
param location string
param tags object
param containerRegistryName string

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: containerRegistryName
  location: location
  tags: tags
  sku: { name: 'Basic' }
  properties: {
    adminUserEnabled: false
    publicNetworkAccess: 'Enabled'
  }
}

output containerRegistryName string = registry.name
output loginServer string = registry.properties.loginServer
