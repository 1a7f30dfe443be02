# The Hono service (services/: operations API, Slack commands, GitHub/GitLab webhook receivers) on
# Cloud Run, started by `npm start` from the image cloudbuild.yaml builds out of the same artifact
# as the functions. GitHub, GitLab and Slack cannot present Google credentials, so Cloud Run's
# invoker check is off: the app authenticates every request itself (signatures for webhooks, API
# tokens or Google ID tokens with roles for the API) — and /healthz, /readyz answer anyone.
locals {
  # Approvals in Slack (Block Kit messages with Approve / Deny): the tick posts and updates them,
  # the service updates them at once after a request or a click. Both need the bot token; the
  # buttons need the signing secret (slack_enabled), without which the service refuses to start.
  slack_approvals         = var.slack_enabled && var.slack_approvals_channel != ""
  slack_approvals_env     = local.slack_approvals ? { FLEETPILOT_SLACK_APPROVALS_CHANNEL = var.slack_approvals_channel } : {}
  slack_approvals_secrets = local.slack_approvals ? { FLEETPILOT_SLACK_BOT_TOKEN = "slack-bot-token" } : {}
  services_env = merge(local.common_env, {
    FLEETPILOT_GITOPS_REPOSITORY  = var.gitops_repository
    FLEETPILOT_GITOPS_BRANCH      = var.gitops_branch
    FLEETPILOT_GITOPS_CONFIG_PATH = var.gitops_config_path
    FLEETPILOT_API_PRINCIPALS     = var.api_principals
    FLEETPILOT_API_AUDIENCE       = var.api_audience
    FLEETPILOT_SLACK_USERS        = var.slack_users
  }, local.slack_approvals_env)
  services_secrets = merge(
    var.slack_enabled ? { FLEETPILOT_SLACK_SIGNING_SECRET = "slack-signing-secret" } : {},
    local.slack_approvals_secrets,
    var.gitops_source == "github" ? { FLEETPILOT_GITHUB_WEBHOOK_SECRET = "github-webhook-secret" } : {},
    var.gitops_source == "gitlab" ? { FLEETPILOT_GITLAB_WEBHOOK_TOKEN = "gitlab-webhook-token" } : {},
  )
}

resource "google_cloud_run_v2_service" "services" {
  name                 = "${var.prefix}services"
  location             = var.region
  ingress              = "INGRESS_TRAFFIC_ALL"
  invoker_iam_disabled = true
  deletion_protection  = false

  template {
    service_account = local.sa_email.services
    # Cloud Run's own caps: requests per instance, instances, memory and request time.
    max_instance_request_concurrency = 40
    timeout                          = "60s"
    scaling {
      min_instance_count = 0
      max_instance_count = 5
    }
    containers {
      image = var.services_image
      resources {
        # Slack results are posted after the acknowledgement: CPU stays allocated outside requests.
        cpu_idle = false
        limits = {
          cpu    = "1"
          memory = "512Mi"
        }
      }
      startup_probe {
        http_get {
          path = "/healthz"
        }
      }
      dynamic "env" {
        for_each = { for k, v in local.services_env : k => v if v != "" }
        content {
          name  = env.key
          value = env.value
        }
      }
      dynamic "env" {
        for_each = local.services_secrets
        content {
          name = env.key
          value_source {
            secret_key_ref {
              secret  = google_secret_manager_secret.secret[env.value].secret_id
              version = "latest"
            }
          }
        }
      }
      volume_mounts {
        name       = "fleet-config"
        mount_path = local.fleet_config_dir
      }
    }
    volumes {
      name = "fleet-config"
      secret {
        secret = google_secret_manager_secret.secret["fleet-config"].secret_id
        items {
          path    = "fleet.yaml"
          version = "latest"
        }
      }
    }
  }

  lifecycle {
    # cloudbuild.yaml deploys new images (and gcloud stamps client fields).
    ignore_changes = [template[0].containers[0].image, client, client_version]
  }

  depends_on = [google_project_iam_member.grant, google_secret_manager_secret_iam_member.accessor]
}

moved {
  from = google_cloud_run_v2_service.services[0]
  to   = google_cloud_run_v2_service.services
}
