# One service account per component (README "Deploy" lists each one's roles and why). Their e-mail
# addresses are spelt out in locals, so that grants and environment variables are known at plan
# time; grants depend on the accounts explicitly.
locals {
  # component key => account id suffix and what it runs as
  service_accounts = {
    cluster_lifecycle = { id = "lifecycle", what = "clusterLifecycle function: onboarding and offboarding" }
    health_alerts     = { id = "alerts", what = "healthAlerts function: alert-driven drains and restores" }
    git_push          = { id = "gitpush", what = "gitPush function: configuration revisions from Git" }
    tick              = { id = "tick", what = "tick function: timed reconcile and restores" }
    services          = { id = "services", what = "Cloud Run service: API, Slack, webhook receivers" }
    push              = { id = "push", what = "identity of Pub/Sub push deliveries and of the tick's trigger (invokes the functions)" }
    builder           = { id = "fn-build", what = "builds the functions' images (Cloud Functions build service account)" }
    deployer          = { id = "deployer", what = "the Cloud Build pipeline: uploads the artifact, deploys code" }
  }
  sa_email = { for k, v in local.service_accounts : k => "${var.prefix}${v.id}@${var.project_id}.iam.gserviceaccount.com" }
  sa       = { for k, v in local.sa_email : k => "serviceAccount:${v}" }

  # The components that run fleetpilot's code (and reach clusters with their own identity).
  runtime_components = toset(["cluster_lifecycle", "health_alerts", "git_push", "tick", "services"])

  # Google-managed service agents.
  project_number   = data.google_project.this.number
  pubsub_agent     = "serviceAccount:service-${local.project_number}@gcp-sa-pubsub.iam.gserviceaccount.com"
  monitoring_agent = "serviceAccount:service-${local.project_number}@gcp-sa-monitoring-notification.iam.gserviceaccount.com"
  scheduler_agent  = "serviceAccount:service-${local.project_number}@gcp-sa-cloudscheduler.iam.gserviceaccount.com"
  mcs_importer     = "serviceAccount:${var.project_id}.svc.id.goog[gke-mcs/gke-mcs-importer]"
}

resource "google_service_account" "sa" {
  for_each     = local.service_accounts
  account_id   = "${var.prefix}${each.value.id}"
  display_name = "fleetpilot ${each.key}"
  description  = each.value.what
  depends_on   = [google_project_service.api]
}
