// The virtual network: Container Apps needs a custom VNet for external TCP ingress, and in
// direct-MX mode the function app sends through a NAT gateway with a static public IP.
param location string
param tags object
param virtualNetworkName string
param listenersSubnetName string
param apiSubnetName string
param natGatewayName string
param outboundPublicIpName string

@description('Direct MX: give the function app a subnet behind a NAT gateway with a static IP (needs outbound port 25).')
param directMx bool

@description('DNS label of the outbound IP; its Azure-provided name is the default PTR.')
param outboundDnsLabel string

resource outboundIp 'Microsoft.Network/publicIPAddresses@2024-05-01' = if (directMx) {
  name: outboundPublicIpName
  location: location
  tags: tags
  sku: { name: 'Standard', tier: 'Regional' }
  properties: {
    publicIPAllocationMethod: 'Static'
    publicIPAddressVersion: 'IPv4'
    dnsSettings: {
      domainNameLabel: outboundDnsLabel
      // Azure's own name for the IP is allowed as PTR at once; a custom name is set later (see outputs).
      reverseFqdn: '${outboundDnsLabel}.${location}.cloudapp.azure.com.'
    }
  }
}

resource natGateway 'Microsoft.Network/natGateways@2024-05-01' = if (directMx) {
  name: natGatewayName
  location: location
  tags: tags
  sku: { name: 'Standard' }
  properties: {
    idleTimeoutInMinutes: 4
    publicIpAddresses: [ { id: outboundIp.id } ]
  }
}

var listenersSubnet = {
  name: listenersSubnetName
  properties: {
    addressPrefix: '10.40.0.0/23'
    delegations: [ { name: 'containerapps', properties: { serviceName: 'Microsoft.App/environments' } } ]
  }
}

var apiSubnet = {
  name: apiSubnetName
  properties: {
    addressPrefix: '10.40.2.0/24'
    delegations: [ { name: 'flexconsumption', properties: { serviceName: 'Microsoft.App/environments' } } ]
    natGateway: { id: natGateway.id }
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: virtualNetworkName
  location: location
  tags: tags
  properties: {
    addressSpace: { addressPrefixes: [ '10.40.0.0/16' ] }
    subnets: directMx ? [ listenersSubnet, apiSubnet ] : [ listenersSubnet ]
  }
}

output listenersSubnetId string = resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, listenersSubnetName)
output apiSubnetId string = directMx ? resourceId('Microsoft.Network/virtualNetworks/subnets', vnet.name, apiSubnetName) : ''
output outboundIpAddress string = directMx ? outboundIp!.properties.ipAddress : ''
output outboundFqdn string = directMx ? outboundIp!.properties.dnsSettings.fqdn : ''
