# The APIs fleetpilot and its deployment use. Disabling them on destroy would break anything else in
# the project that uses them, so destroy leaves them on.
locals {
  apis = toset([
    "artifactregistry.googleapis.com",             # function and service images
    "cloudbuild.googleapis.com",                   # function builds and the deploy pipeline
    "cloudfunctions.googleapis.com",               # the four functions (Cloud Run functions, gen2)
    "cloudscheduler.googleapis.com",               # the tick
    "connectgateway.googleapis.com",               # reaching private, attached and on-prem clusters
    "cloudresourcemanager.googleapis.com",         # the project's IAM policy
    "container.googleapis.com",                    # cluster reads (Container v1)
    "dns.googleapis.com",                          # multi-cluster Services publish ServiceImports in Cloud DNS
    "eventarc.googleapis.com",                     # the tick's trigger
    "firestore.googleapis.com",                    # fleetpilot's state
    "gkehub.googleapis.com",                       # fleet memberships and features
    "iam.googleapis.com",                          # service accounts, custom roles
    "logging.googleapis.com",                      # the audit-log sink
    "monitoring.googleapis.com",                   # the notification channel, alert policies and drills' traffic reads
    "multiclusteringress.googleapis.com",          # the multiclusteringress fleet feature (multi-cluster Gateways)
    "multiclusterservicediscovery.googleapis.com", # ServiceExport/ServiceImport
    "pubsub.googleapis.com",                       # topics and subscriptions
    "run.googleapis.com",                          # the service, and the functions' runtime
    "secretmanager.googleapis.com",                # secrets and the fleet configuration bootstrap
    "trafficdirector.googleapis.com",              # multi-cluster Gateways program Traffic Director
  ])
}

resource "google_project_service" "api" {
  for_each           = local.apis
  service            = each.key
  disable_on_destroy = false
}
