output "topics" {
  value = { for k, t in google_pubsub_topic.t : k => t.name }
}

output "services_url" {
  description = "the Cloud Run service (set api_audience to it to accept Google ID tokens)"
  value       = google_cloud_run_v2_service.services.uri
}

output "webhook_urls" {
  description = "paste into GitHub (Settings → Webhooks, content type application/json, push events), GitLab (Push events) and the Slack app (Slash Commands → Request URL; Interactivity & Shortcuts → Request URL)"
  value = {
    github             = "${google_cloud_run_v2_service.services.uri}/webhooks/github"
    gitlab             = "${google_cloud_run_v2_service.services.uri}/webhooks/gitlab"
    slack              = "${google_cloud_run_v2_service.services.uri}/slack/commands"
    slack_interactions = "${google_cloud_run_v2_service.services.uri}/slack/interactions"
  }
}

output "service_accounts" {
  description = "component => service account e-mail (bind these in the clusters' RBAC: infra/kubernetes/)"
  value       = local.sa_email
}

output "source_bucket" {
  value = google_storage_bucket.source.name
}

output "image_repository" {
  value = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}"
}

output "functions" {
  value = { for k, f in google_cloudfunctions2_function.fn : k => f.name }
}
