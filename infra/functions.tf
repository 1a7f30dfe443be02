# The four Cloud Run functions (gen2), built from one artifact: the zip cloudbuild.yaml uploads to
# the source bucket (fleetpilot-SHORT_SHA.zip: the package, its lock file and the sources `gcp-build`
# compiles into dist/). `main` registers all four; each selects its handler by entry point.
#
# Created once `source_object` is set; afterwards the pipeline updates their code (Terraform ignores
# the source) and Terraform keeps owning everything else.
locals {
  fleet_config_dir  = "/etc/fleetpilot"
  fleet_config_file = "${local.fleet_config_dir}/fleet.yaml"

  # What every component reads (shared/config/env.ts). Empty values are left out: unset.
  common_env = {
    FLEETPILOT_PROJECT_ID         = var.project_id
    FLEETPILOT_PROJECT_NUMBER     = local.project_number
    FLEETPILOT_KUBE_ACCESS        = var.kube_access
    FLEETPILOT_TOPIC_PREFIX       = var.prefix
    FLEETPILOT_FIRESTORE_DATABASE = google_firestore_database.state.name
    FLEETPILOT_FLEET_CONFIG_FILE  = local.fleet_config_file
    LOG_LEVEL                     = var.log_level
  }

  functions = {
    cluster_lifecycle = {
      name        = "${var.prefix}cluster-lifecycle"
      entry_point = "clusterLifecycle"
      # onboarding waits up to FLEETPILOT_IMPORT_WAIT_SECONDS for ServiceImports after registering
      timeout       = 540
      max_instances = 10
      env           = { FLEETPILOT_IMPORT_WAIT_SECONDS = "60" }
      secrets       = {}
    }
    # max_instances as shared/adapters/topology.ts FUNCTION_MAX_INSTANCES: a storm's renotifications end at once
    health_alerts = {
      name          = "${var.prefix}health-alerts"
      entry_point   = "healthAlerts"
      timeout       = 300
      max_instances = 20
      env           = {}
      secrets       = {}
    }
    git_push = {
      name          = "${var.prefix}git-push"
      entry_point   = "gitPush"
      timeout       = 300
      max_instances = 2
      env = {
        FLEETPILOT_GITOPS_SOURCE      = var.gitops_source
        FLEETPILOT_GITOPS_REPOSITORY  = var.gitops_repository
        FLEETPILOT_GITOPS_CONFIG_PATH = var.gitops_config_path
        FLEETPILOT_GITOPS_API_URL     = var.gitops_api_url
      }
      # reads the file at the pushed commit and reports a commit status
      secrets = { FLEETPILOT_GITOPS_TOKEN = "gitops-token" }
    }
    # posts pending approvals to Slack and shows their decisions and expiries (approval-slack.ts)
    tick = {
      name          = "${var.prefix}tick"
      entry_point   = "tick"
      timeout       = 300
      max_instances = 1
      env           = local.slack_approvals_env
      secrets       = local.slack_approvals_secrets
    }
  }
  deployed_functions = var.source_object == "" ? {} : local.functions
}

resource "google_cloudfunctions2_function" "fn" {
  for_each = local.deployed_functions
  name     = each.value.name
  location = var.region

  build_config {
    runtime           = "nodejs22"
    entry_point       = each.value.entry_point
    service_account   = google_service_account.sa["builder"].id
    docker_repository = google_artifact_registry_repository.images.id
    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = var.source_object
      }
    }
  }

  service_config {
    service_account_email            = local.sa_email[each.key]
    ingress_settings                 = "ALLOW_INTERNAL_ONLY" # Pub/Sub and Eventarc in this project only
    all_traffic_on_latest_revision   = true
    available_memory                 = "512Mi"
    available_cpu                    = "1"
    timeout_seconds                  = each.value.timeout
    max_instance_count               = each.value.max_instances
    max_instance_request_concurrency = 1
    environment_variables            = { for k, v in merge(local.common_env, each.value.env) : k => v if v != "" }

    dynamic "secret_environment_variables" {
      for_each = each.value.secrets
      content {
        key        = secret_environment_variables.key
        project_id = var.project_id
        secret     = google_secret_manager_secret.secret[secret_environment_variables.value].secret_id
        version    = "latest"
      }
    }

    # The fleet configuration's bootstrap: the functions read it until the first Git push is applied.
    secret_volumes {
      mount_path = local.fleet_config_dir
      project_id = var.project_id
      secret     = google_secret_manager_secret.secret["fleet-config"].secret_id
      versions {
        path    = "fleet.yaml"
        version = "latest"
      }
    }
  }

  # The tick alone is triggered by Eventarc, with retries off: the platform acknowledges a failed
  # tick, and the next tick a minute later is its retry.
  dynamic "event_trigger" {
    for_each = each.key == "tick" ? [1] : []
    content {
      trigger_region        = var.region
      event_type            = "google.cloud.pubsub.topic.v1.messagePublished"
      pubsub_topic          = local.topic_path["ticks"]
      retry_policy          = "RETRY_POLICY_DO_NOT_RETRY"
      service_account_email = local.sa_email.push
    }
  }

  lifecycle {
    # cloudbuild.yaml deploys new code; Terraform owns the rest.
    ignore_changes = [build_config[0].source]
  }

  depends_on = [
    google_project_iam_member.grant,
    google_secret_manager_secret_iam_member.accessor,
    google_artifact_registry_repository_iam_member.builder_writes,
    google_storage_bucket_iam_member.builder_reads,
  ]
}

# Only the push identity invokes the functions (Pub/Sub push and the tick's Eventarc trigger).
resource "google_cloud_run_v2_service_iam_member" "push_invokes" {
  for_each = google_cloudfunctions2_function.fn
  location = var.region
  name     = each.value.name
  role     = "roles/run.invoker"
  member   = local.sa.push
}
