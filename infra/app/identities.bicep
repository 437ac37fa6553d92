// One user-assigned identity per host, so each holds only the roles its own code needs
// (see rbac.bicep). No registry passwords, storage keys or connection strings anywhere.
param location string
param tags object
param apiIdentityName string
param listenersIdentityName string

resource api 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: apiIdentityName
  location: location
  tags: tags
}

resource listeners 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: listenersIdentityName
  location: location
  tags: tags
}

output apiIdentityName string = api.name
output listenersIdentityName string = listeners.name
