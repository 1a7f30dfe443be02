# Cloud resources fleetpilot needs in one project. Names mirror shared/adapters/topology.ts
# (prefix "fleetpilot-"); the sandbox creates the same topics and subscriptions in the emulator.

terraform {
  required_version = ">= 1.5"
  required_providers {
    google = { source = "hashicorp/google", version = ">= 5.0" }
  }
}

variable "project_id" { type = string }
variable "region" {
  type    = string
  default = "us-central1"
}
variable "prefix" {
  type    = string
  default = "fleetpilot-"
}

provider "google" {
  project = var.project_id
  region  = var.region
}

data "google_project" "this" {}

locals {
  topics = {
    cluster_events = "${var.prefix}cluster-events"
    health_alerts  = "${var.prefix}health-alerts"
    git_pushes     = "${var.prefix}git-pushes"
    ticks          = "${var.prefix}ticks"
    results        = "${var.prefix}results"
    dead_letter    = "${var.prefix}dead-letter"
  }
  consumers = {
    "cluster-lifecycle" = "cluster_events"
    "health-alerts"     = "health_alerts"
    "git-push"          = "git_pushes"
    "tick"              = "ticks"
  }
  pubsub_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_pubsub_topic" "t" {
  for_each = local.topics
  name     = each.value
}

# Consumer subscriptions: 5 attempts, then the dead-letter topic (Pub/Sub needs publish rights on
# it and subscribe rights on the source subscription for that).
resource "google_pubsub_subscription" "consumer" {
  for_each             = local.consumers
  name                 = "${var.prefix}${each.key}"
  topic                = google_pubsub_topic.t[each.value].id
  ack_deadline_seconds = 60
  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.t["dead_letter"].id
    max_delivery_attempts = 5
  }
  retry_policy {
    minimum_backoff = "1s"
    maximum_backoff = "60s"
  }
}

resource "google_pubsub_subscription" "retained" {
  for_each                   = { "results-audit" = "results", "dead-letter-store" = "dead_letter" }
  name                       = "${var.prefix}${each.key}"
  topic                      = google_pubsub_topic.t[each.value].id
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"
}

resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  topic  = google_pubsub_topic.t["dead_letter"].id
  role   = "roles/pubsub.publisher"
  member = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  for_each     = google_pubsub_subscription.consumer
  subscription = each.value.id
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

# Cluster create/delete audit entries (first and last of each operation) flow to the cluster-events topic.
resource "google_logging_project_sink" "cluster_lifecycle" {
  name                   = "${var.prefix}cluster-lifecycle"
  destination            = "pubsub.googleapis.com/${google_pubsub_topic.t["cluster_events"].id}"
  unique_writer_identity = true
  filter                 = <<-EOT
    logName="projects/${var.project_id}/logs/cloudaudit.googleapis.com%2Factivity"
    protoPayload.serviceName="container.googleapis.com"
    protoPayload.methodName=~"ClusterManager\.(CreateCluster|DeleteCluster)$"
    (operation.first=true OR operation.last=true)
  EOT
}

resource "google_pubsub_topic_iam_member" "sink_writer" {
  topic  = google_pubsub_topic.t["cluster_events"].id
  role   = "roles/pubsub.publisher"
  member = google_logging_project_sink.cluster_lifecycle.writer_identity
}

# fleetpilot's own state; processed-event markers expire through the TTL policy on `expireAt`.
resource "google_firestore_database" "state" {
  name        = "(default)"
  location_id = var.region
  type        = "FIRESTORE_NATIVE"
}

# TTL on `expireAt`: processed-event markers, and the operations API's idempotency keys (the API
# also ignores expired keys, since TTL deletion is eventual).
resource "google_firestore_field" "ttl" {
  for_each   = toset(["processedEvents", "idempotencyKeys"])
  database   = google_firestore_database.state.name
  collection = each.key
  field      = "expireAt"
  ttl_config {}
}

moved {
  from = google_firestore_field.markers_ttl
  to   = google_firestore_field.ttl["processedEvents"]
}

# Timed work (restores after hold-down) is driven by a tick every minute.
resource "google_cloud_scheduler_job" "tick" {
  name     = "${var.prefix}tick"
  schedule = "* * * * *"
  pubsub_target {
    topic_name = google_pubsub_topic.t["ticks"].id
    data       = base64encode("{\"source\":\"cloud-scheduler\"}")
  }
}

output "topics" { value = { for k, t in google_pubsub_topic.t : k => t.name } }

# GET /v1/operations filters by kind, region or cluster and orders by startedAt (then document id),
# newest first; these are the composite indexes those queries need.
resource "google_firestore_index" "operations" {
  for_each   = { kind = ["kind"], region = ["region"], cluster = ["cluster"], kind_region = ["kind", "region"], kind_cluster = ["kind", "cluster"] }
  database   = google_firestore_database.state.name
  collection = "operations"
  dynamic "fields" {
    for_each = each.value
    content {
      field_path = fields.value
      order      = "ASCENDING"
    }
  }
  fields {
    field_path = "startedAt"
    order      = "DESCENDING"
  }
  fields {
    field_path = "__name__"
    order      = "DESCENDING"
  }
}

# The operations API, Slack commands and webhook receivers (services/) on Cloud Run. Slack results are
# posted after the acknowledgement, so CPU stays allocated outside requests.
variable "services_image" {
  type        = string
  description = "container image of services/ (built by cloudbuild.yaml)"
  default     = ""
}
variable "api_principals" {
  type        = string
  description = "FLEETPILOT_API_PRINCIPALS: EMAIL=ROLE,... for Google ID tokens and Slack users"
  default     = ""
}
variable "gitops_repository" {
  type        = string
  description = "FLEETPILOT_GITOPS_REPOSITORY: OWNER/NAME of the fleet configuration repository"
  default     = ""
}
variable "api_audience" {
  type        = string
  description = "FLEETPILOT_API_AUDIENCE: the service URL Google ID tokens are minted for (empty: API tokens only)"
  default     = ""
}
variable "slack_users" {
  type        = string
  description = "FLEETPILOT_SLACK_USERS: SLACK_USER_ID=EMAIL,..."
  default     = ""
}

resource "google_secret_manager_secret" "services" {
  for_each  = toset(["slack-signing-secret", "github-webhook-secret"])
  secret_id = "${var.prefix}${each.key}"
  replication {
    auto {}
  }
}

resource "google_cloud_run_v2_service" "services" {
  count    = var.services_image == "" ? 0 : 1
  name     = "${var.prefix}services"
  location = var.region
  ingress  = "INGRESS_TRAFFIC_ALL"
  template {
    containers {
      image = var.services_image
      resources {
        cpu_idle = false
      }
      env {
        name  = "FLEETPILOT_PROJECT_ID"
        value = var.project_id
      }
      env {
        name  = "FLEETPILOT_API_PRINCIPALS"
        value = var.api_principals
      }
      env {
        name  = "FLEETPILOT_SLACK_USERS"
        value = var.slack_users
      }
      env {
        name  = "FLEETPILOT_GITOPS_REPOSITORY"
        value = var.gitops_repository
      }
      env {
        name  = "FLEETPILOT_API_AUDIENCE"
        value = var.api_audience
      }
      dynamic "env" {
        for_each = { FLEETPILOT_SLACK_SIGNING_SECRET = "slack-signing-secret", FLEETPILOT_GITHUB_WEBHOOK_SECRET = "github-webhook-secret" }
        content {
          name = env.key
          value_source {
            secret_key_ref {
              secret  = google_secret_manager_secret.services[env.value].secret_id
              version = "latest"
            }
          }
        }
      }
    }
  }
}
