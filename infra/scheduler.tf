# Timed work (restores after hold-down, regions whose ServiceImports appeared) is driven by a tick
# every minute, published as Cloud Scheduler's service agent (the ticks topic's only publisher).
resource "google_cloud_scheduler_job" "tick" {
  name     = "${var.prefix}tick"
  region   = var.region
  schedule = "* * * * *"
  pubsub_target {
    topic_name = local.topic_path["ticks"]
    data       = base64encode("{\"source\":\"cloud-scheduler\"}")
  }
  depends_on = [google_pubsub_topic_iam_binding.publishers]
}
