# Where the build lands: the source bucket holds the artifact zip the functions are deployed from;
# the Artifact Registry repository holds the functions' images (built by Cloud Functions as the
# builder account) and the service's image (built by the pipeline).
resource "google_storage_bucket" "source" {
  name                        = "${var.project_id}-${var.prefix}source"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false
  lifecycle_rule {
    condition {
      age = 90
    }
    action {
      type = "Delete"
    }
  }
}

resource "google_artifact_registry_repository" "images" {
  repository_id = trimsuffix(var.prefix, "-")
  location      = var.region
  format        = "DOCKER"
  description   = "fleetpilot: function and service images"
  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"
    most_recent_versions {
      keep_count = 20
    }
  }
  depends_on = [google_project_service.api]
}

resource "google_storage_bucket_iam_member" "builder_reads" {
  bucket = google_storage_bucket.source.name
  role   = "roles/storage.objectViewer"
  member = local.sa.builder
}

resource "google_storage_bucket_iam_member" "deployer_uploads" {
  for_each = toset(["roles/storage.objectCreator", "roles/storage.objectViewer"])
  bucket   = google_storage_bucket.source.name
  role     = each.key
  member   = local.sa.deployer
}

resource "google_artifact_registry_repository_iam_member" "builder_writes" {
  location   = google_artifact_registry_repository.images.location
  repository = google_artifact_registry_repository.images.name
  role       = "roles/artifactregistry.writer"
  member     = local.sa.builder
}

resource "google_artifact_registry_repository_iam_member" "deployer_writes" {
  location   = google_artifact_registry_repository.images.location
  repository = google_artifact_registry_repository.images.name
  role       = "roles/artifactregistry.writer"
  member     = local.sa.deployer
}

# The service's runtime pulls its image (Cloud Run's service agent does, with this grant).
resource "google_artifact_registry_repository_iam_member" "run_pulls" {
  location   = google_artifact_registry_repository.images.location
  repository = google_artifact_registry_repository.images.name
  role       = "roles/artifactregistry.reader"
  member     = "serviceAccount:service-${local.project_number}@serverless-robot-prod.iam.gserviceaccount.com"
}
