# Least privilege, per component. Project-level grants are only those with no narrower resource to
# grant on (Firestore, cluster reads, GKE Hub, Monitoring reads); everything else is granted on the
# topic, secret, bucket, repository, function or service account it concerns.

# GKE Hub: the predefined roles are too broad (gkehub.admin) or too narrow (gkehub.viewer cannot
# register). Readers read memberships and features and reach clusters through Connect Gateway.
locals {
  fleet_reader_permissions = [
    "gkehub.features.get",
    "gkehub.features.list",
    "gkehub.gateway.delete",
    "gkehub.gateway.get",
    "gkehub.gateway.patch",
    "gkehub.gateway.post",
    "gkehub.gateway.put",
    "gkehub.locations.get",
    "gkehub.locations.list",
    "gkehub.memberships.get",
    "gkehub.memberships.list",
    "gkehub.operations.get",
  ]
  fleet_writer_permissions = concat(local.fleet_reader_permissions, [
    "gkehub.features.create",
    "gkehub.features.update",
    "gkehub.memberships.create",
    "gkehub.memberships.delete",
    "gkehub.memberships.update",
  ])
}

resource "google_project_iam_custom_role" "fleet_reader" {
  role_id     = "fleetpilotFleetReader"
  title       = "fleetpilot fleet reader"
  description = "Reads fleet memberships and features; reaches member clusters through Connect Gateway (Kubernetes RBAC decides what it may do there)"
  permissions = local.fleet_reader_permissions
  depends_on  = [google_project_service.api]
}

# Writers also register and remove memberships and enable the multi-cluster features (onboarding,
# offboarding: the clusterLifecycle function and the API's onboard/offboard).
resource "google_project_iam_custom_role" "fleet_writer" {
  role_id     = "fleetpilotFleetWriter"
  title       = "fleetpilot fleet writer"
  description = "fleetpilotFleetReader plus registering and removing memberships and enabling fleet features"
  permissions = local.fleet_writer_permissions
  depends_on  = [google_project_service.api]
}

# The pipeline updates the code of existing functions and the image of the existing service, and
# nothing else about them (Terraform owns their configuration).
resource "google_project_iam_custom_role" "deployer" {
  role_id     = "fleetpilotDeployer"
  title       = "fleetpilot deployer"
  description = "Updates the source of fleetpilot's functions and the image of its Cloud Run service"
  permissions = [
    "cloudfunctions.functions.get",
    "cloudfunctions.functions.sourceCodeSet",
    "cloudfunctions.functions.update",
    "cloudfunctions.operations.get",
    "run.operations.get",
    "run.revisions.get",
    "run.revisions.list",
    "run.services.get",
    "run.services.update",
  ]
  depends_on = [google_project_service.api]
}

# The API's preflight (GET /v1/fleet/preflight) asks whether the fleet's APIs are enabled and
# whether the MCS importer holds its role: two reads, granted to the service alone.
resource "google_project_iam_custom_role" "preflight" {
  role_id     = "fleetpilotPreflight"
  title       = "fleetpilot preflight"
  description = "Reads which APIs are enabled and the project's IAM policy, for the fleet prerequisites check"
  permissions = ["serviceusage.services.get", "resourcemanager.projects.getIamPolicy"]
  depends_on  = [google_project_service.api]
}

locals {
  # The tick is a writer: it finishes onboardings whose audit entry was lost (adoption).
  fleet_role = {
    cluster_lifecycle = google_project_iam_custom_role.fleet_writer.name
    services          = google_project_iam_custom_role.fleet_writer.name
    health_alerts     = google_project_iam_custom_role.fleet_reader.name
    git_push          = google_project_iam_custom_role.fleet_reader.name
    tick              = google_project_iam_custom_role.fleet_writer.name
  }
  project_grants = merge(
    # fleetpilot's state: operation records, leases, drain facts, revisions, API tokens.
    { for c in local.runtime_components : "${c}/datastore" => { member = local.sa[c], role = "roles/datastore.user" } },
    # Cluster reads (status, endpoint, CA) and the IAM half of authenticating to GKE's API server.
    { for c in local.runtime_components : "${c}/clusters" => { member = local.sa[c], role = "roles/container.clusterViewer" } },
    { for c, role in local.fleet_role : "${c}/fleet" => { member = local.sa[c], role = role } },
    # Drills measure traffic from the Gateway's load-balancer metrics (Cloud Monitoring reads): the
    # tick runs scheduled drills, the service requested ones.
    { for c in ["tick", "services"] : "${c}/metrics" => { member = local.sa[c], role = "roles/monitoring.viewer" } },
    {
      "builder/logs"       = { member = local.sa.builder, role = "roles/logging.logWriter" }
      "deployer/logs"      = { member = local.sa.deployer, role = "roles/logging.logWriter" }
      "deployer/code"      = { member = local.sa.deployer, role = google_project_iam_custom_role.deployer.name }
      "services/preflight" = { member = local.sa.services, role = google_project_iam_custom_role.preflight.name }
    },
    # GKE prerequisite: without it the MCS importer never creates a ServiceImport.
    var.grant_mcs_importer ? { "mcs-importer/network" = { member = local.mcs_importer, role = "roles/compute.networkViewer" } } : {},
  )
}

resource "google_project_iam_member" "grant" {
  for_each   = local.project_grants
  project    = var.project_id
  role       = each.value.role
  member     = each.value.member
  depends_on = [google_service_account.sa]
}

# Pub/Sub signs push requests with an OIDC token of the push account (needed for projects created
# before 2021-04-08; harmless after).
resource "google_service_account_iam_member" "pubsub_signs_push" {
  service_account_id = google_service_account.sa["push"].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_agent
}

# The pipeline deploys code that runs as the runtime accounts and is built by the builder account.
resource "google_service_account_iam_member" "deployer_acts_as" {
  for_each           = setunion(local.runtime_components, ["builder"])
  service_account_id = google_service_account.sa[each.key].name
  role               = "roles/iam.serviceAccountUser"
  member             = local.sa.deployer
}

# Topic publishers, authoritative per topic: only who must publish. (Project-level Owner, Editor or
# Pub/Sub Publisher grants still publish everywhere: grant none of them to people or tools that do
# not need them.)
locals {
  topic_publishers = {
    cluster_events = [google_logging_project_sink.cluster_lifecycle.writer_identity]
    health_alerts  = [local.monitoring_agent]
    git_pushes     = [local.sa.services]
    ticks          = [local.scheduler_agent]
    results        = [for c in local.runtime_components : local.sa[c]]
    dead_letter    = [local.pubsub_agent]
  }
}

resource "google_pubsub_topic_iam_binding" "publishers" {
  for_each = local.topic_publishers
  topic    = google_pubsub_topic.t[each.key].name
  role     = "roles/pubsub.publisher"
  members  = each.value
  # Monitoring's notification agent exists once the project has a notification channel.
  depends_on = [google_service_account.sa, google_monitoring_notification_channel.health_alerts]
}

# These grants are now part of the authoritative bindings above; forget them without revoking.
removed {
  from = google_pubsub_topic_iam_member.dead_letter_publisher
  lifecycle {
    destroy = false
  }
}

removed {
  from = google_pubsub_topic_iam_member.sink_writer
  lifecycle {
    destroy = false
  }
}
