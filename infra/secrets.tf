# Secrets (values are added with `gcloud secrets versions add`, never through Terraform, so they stay
# out of its state) and who may read each one.
locals {
  secrets = {
    "slack-signing-secret"  = "Slack app signing secret (services: FLEETPILOT_SLACK_SIGNING_SECRET)"
    "slack-bot-token"       = "Slack app bot token, scope chat:write (services and tick: FLEETPILOT_SLACK_BOT_TOKEN)"
    "github-webhook-secret" = "GitHub webhook secret (services: FLEETPILOT_GITHUB_WEBHOOK_SECRET)"
    "gitlab-webhook-token"  = "GitLab webhook secret token (services: FLEETPILOT_GITLAB_WEBHOOK_TOKEN)"
    "gitops-token"          = "GitHub/GitLab API token: reads fleet.yaml at a commit, posts commit statuses (gitPush: FLEETPILOT_GITOPS_TOKEN)"
    "fleet-config"          = "the starting fleet.yaml, mounted at /etc/fleetpilot/fleet.yaml until the first Git push is applied"
  }
  # "secret/component" => grant, for every secret a component reads.
  secret_readers = merge(
    { for c in local.runtime_components : "fleet-config/${c}" => { secret = "fleet-config", component = c } },
    { for env, s in local.functions.git_push.secrets : "${s}/git_push" => { secret = s, component = "git_push" } },
    { for env, s in local.services_secrets : "${s}/services" => { secret = s, component = "services" } },
    { for env, s in local.functions.tick.secrets : "${s}/tick" => { secret = s, component = "tick" } },
  )
}

resource "google_secret_manager_secret" "secret" {
  for_each  = local.secrets
  secret_id = "${var.prefix}${each.key}"
  labels    = { component = "fleetpilot" }
  annotations = {
    purpose = each.value
  }
  replication {
    auto {}
  }
  depends_on = [google_project_service.api]
}

moved {
  from = google_secret_manager_secret.services
  to   = google_secret_manager_secret.secret
}

resource "google_secret_manager_secret_iam_member" "accessor" {
  for_each   = local.secret_readers
  secret_id  = google_secret_manager_secret.secret[each.value.secret].secret_id
  role       = "roles/secretmanager.secretAccessor"
  member     = local.sa[each.value.component]
  depends_on = [google_service_account.sa]
}
