# Cloud Monitoring notifies the health-alerts topic (incident JSON, version 1.2); Monitoring's
# notification service agent is the topic's only publisher (iam.tf).
resource "google_monitoring_notification_channel" "health_alerts" {
  display_name = "fleetpilot health alerts"
  type         = "pubsub"
  labels = {
    topic = local.topic_path["health_alerts"]
  }
  depends_on = [google_project_service.api]
}

# An example alert policy per region: the 5xx rate of the multi-cluster Gateway's backends in that
# region. fleetpilot maps an incident to a region from resource or metric labels, else from the
# policy's user label `region` — set here, so any condition you write maps. Closes are notified
# too (auto_close), so the hold-down and restore start without an operator.
resource "google_monitoring_alert_policy" "region_5xx" {
  for_each              = toset(var.alert_regions)
  display_name          = "fleetpilot: ${each.key} backends answer 5xx"
  combiner              = "OR"
  notification_channels = [google_monitoring_notification_channel.health_alerts.id]
  user_labels = {
    region = each.key
  }
  conditions {
    display_name = "5xx rate of backends in ${each.key}"
    condition_threshold {
      filter          = "resource.type = \"https_lb_rule\" AND metric.type = \"loadbalancing.googleapis.com/https/backend_request_count\" AND metric.labels.response_code_class = 500 AND resource.labels.backend_scope = starts_with(\"${each.key}\")"
      comparison      = "COMPARISON_GT"
      threshold_value = var.alert_5xx_per_second
      duration        = "120s"
      aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
      }
    }
  }
  alert_strategy {
    auto_close = "1800s"
  }
  documentation {
    content   = "fleetpilot drains ${each.key} from the Gateway's routes while this incident is open, unless a guard refuses (last serving region, minimum healthy regions, flap budget)."
    mime_type = "text/markdown"
  }
}
