// The operator's dashboard: an Azure Monitor workbook over the service's own meters in
// Application Insights (messages accepted, filed, relayed, deferred, bounced; logins; storage
// requests and their latency; queue depths; days left on the TLS certificate). The queries are
// in dashboard.workbook.json, so the same file can be imported by hand elsewhere.
param location string
param tags object
param applicationInsightsName string

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource dashboard 'Microsoft.Insights/workbooks@2023-06-01' = {
  // Workbook names must be GUIDs; this one is stable per component, so provisioning updates it.
  name: guid(applicationInsights.id, 'serverless-mail-dashboard')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'Serverless Mail'
    category: 'workbook'
    sourceId: applicationInsights.id
    serializedData: loadTextContent('dashboard.workbook.json')
  }
}

output workbookId string = dashboard.id
