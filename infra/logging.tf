# Cluster create/delete audit entries (first and last of each operation) flow to the cluster-events
# topic; the sink's writer identity is the topic's only publisher (iam.tf).
resource "google_logging_project_sink" "cluster_lifecycle" {
  name                   = "${var.prefix}cluster-lifecycle"
  destination            = "pubsub.googleapis.com/${local.topic_path["cluster_events"]}"
  unique_writer_identity = true
  filter                 = <<-EOT
    logName="projects/${var.project_id}/logs/cloudaudit.googleapis.com%2Factivity"
    protoPayload.serviceName="container.googleapis.com"
    protoPayload.methodName=~"ClusterManager\.(CreateCluster|DeleteCluster)$"
    (operation.first=true OR operation.last=true)
  EOT
}
