# The deploy pipeline (cloudbuild.yaml) on every push to the main branch, as the deployer account.
# Needs the repository connected to Cloud Build first (the Cloud Build GitHub App; README "Deploy").
# Terraform itself is applied by a person (or a separate, more privileged pipeline): the deployer
# can change code, not infrastructure or IAM.
resource "google_cloudbuild_trigger" "deploy" {
  count           = var.cloudbuild_github == null ? 0 : 1
  name            = "${var.prefix}deploy"
  location        = "global"
  description     = "test, build, deploy fleetpilot (cloudbuild.yaml)"
  filename        = "cloudbuild.yaml"
  service_account = google_service_account.sa["deployer"].id
  github {
    owner = var.cloudbuild_github.owner
    name  = var.cloudbuild_github.name
    push {
      branch = var.cloudbuild_github.branch
    }
  }
  substitutions = {
    _REGION        = var.region
    _PREFIX        = var.prefix
    _SOURCE_BUCKET = google_storage_bucket.source.name
    _IMAGE_REPO    = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}"
  }
}
