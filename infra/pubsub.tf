# Topics and subscriptions: the names in shared/adapters/topology.ts (prefix "fleetpilot-"); the
# sandbox creates the same ones in the emulator.
#
# Delivery (README "Deploy" explains the choice): clusterLifecycle, healthAlerts and gitPush are fed
# by the topology's own push subscriptions, which deliver to the function's URL with an OIDC token,
# retry with backoff and dead-letter after 5 attempts. The tick is fed through an Eventarc trigger
# with retries disabled (functions.tf): a failed tick is never redelivered, the next one is its retry.
locals {
  topics = {
    cluster_events = "${var.prefix}cluster-events"
    health_alerts  = "${var.prefix}health-alerts"
    git_pushes     = "${var.prefix}git-pushes"
    ticks          = "${var.prefix}ticks"
    results        = "${var.prefix}results"
    dead_letter    = "${var.prefix}dead-letter"
  }
  # subscription suffix => the topic it reads and the function it pushes to
  consumers = {
    "cluster-lifecycle" = { topic = "cluster_events", function = "cluster_lifecycle" }
    "health-alerts"     = { topic = "health_alerts", function = "health_alerts" }
    "git-push"          = { topic = "git_pushes", function = "git_push" }
  }
  max_delivery_attempts = 5
  # Full topic names, known at plan time (the resources' ids are not).
  topic_path = { for k, t in google_pubsub_topic.t : k => "projects/${var.project_id}/topics/${t.name}" }
}

resource "google_pubsub_topic" "t" {
  for_each                   = local.topics
  name                       = each.value
  message_retention_duration = each.key == "dead_letter" ? "604800s" : null
  depends_on                 = [google_project_service.api]
}

# Topics are referred to by name or by local.topic_path (known at plan time, so the offline plan
# and the consistency test see them).
#
# Push subscriptions (pull until the functions exist: messages wait for them). The push request
# is a standard Pub/Sub push body; the functions-framework turns it into the same
# `google.cloud.pubsub.topic.v1.messagePublished` CloudEvent Eventarc would send (the topic comes
# from the endpoint's path). The ack deadline is the push request timeout: longer than the
# functions' timeout, so a slow run is not delivered twice while it is still working.
resource "google_pubsub_subscription" "consumer" {
  for_each             = local.consumers
  name                 = "${var.prefix}${each.key}"
  topic                = google_pubsub_topic.t[each.value.topic].name
  ack_deadline_seconds = 600
  dead_letter_policy {
    dead_letter_topic     = local.topic_path["dead_letter"]
    max_delivery_attempts = local.max_delivery_attempts
  }
  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }
  expiration_policy {
    ttl = "" # never expires, even with no traffic
  }
  dynamic "push_config" {
    for_each = var.source_object == "" ? [] : [each.value.function]
    content {
      push_endpoint = "${google_cloudfunctions2_function.fn[push_config.value].service_config[0].uri}/projects/${var.project_id}/topics/${google_pubsub_topic.t[each.value.topic].name}"
      oidc_token {
        service_account_email = local.sa_email.push
        audience              = google_cloudfunctions2_function.fn[push_config.value].service_config[0].uri
      }
    }
  }
  depends_on = [google_service_account_iam_member.pubsub_signs_push]
}

# Results and dead letters are kept for a week, for operators (and bots) to read back.
resource "google_pubsub_subscription" "retained" {
  for_each                   = { "results-audit" = "results", "dead-letter-store" = "dead_letter" }
  name                       = "${var.prefix}${each.key}"
  topic                      = google_pubsub_topic.t[each.value].name
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"
  expiration_policy {
    ttl = ""
  }
}

# Dead-lettering: Pub/Sub's service agent forwards from the consumer subscriptions (publisher on the
# dead-letter topic is in iam.tf's authoritative binding).
resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  for_each     = google_pubsub_subscription.consumer
  subscription = each.value.id
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}
