variable "project_id" {
  type        = string
  description = "the fleet host project: fleetpilot's resources, the fleet (GKE Hub) and, usually, the clusters"
}

variable "region" {
  type        = string
  default     = "us-central1"
  description = "where the functions, the service, Firestore, the scheduler and the artifacts live"
}

variable "prefix" {
  type        = string
  default     = "fleetpilot-"
  description = "FLEETPILOT_TOPIC_PREFIX: prefix of topic, subscription, secret and service account names"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}$", var.prefix))
    error_message = "prefix must be lower-case letters, digits and dashes, at most 20 characters (service account ids are at most 30)."
  }
}

variable "source_object" {
  type        = string
  default     = ""
  description = <<-EOT
    object in the source bucket (fleetpilot-SHORT_SHA.zip, uploaded by cloudbuild.yaml) the four
    functions are created from. Empty: the functions and their push delivery are not created yet
    (first apply, before the first build). Later builds update the functions' code themselves;
    Terraform ignores source changes after creation.
  EOT
}

variable "services_image" {
  type        = string
  default     = "us-docker.pkg.dev/cloudrun/container/hello"
  description = "image the Cloud Run service is created with; cloudbuild.yaml deploys the built image afterwards (Terraform ignores image changes)"
}

variable "kube_access" {
  type        = string
  default     = "endpoint"
  description = "FLEETPILOT_KUBE_ACCESS: `endpoint` or `connect-gateway` for GKE clusters (private, attached and on-prem clusters always use Connect Gateway)"
  validation {
    condition     = contains(["endpoint", "connect-gateway"], var.kube_access)
    error_message = "kube_access must be endpoint or connect-gateway."
  }
}

variable "gitops_source" {
  type        = string
  default     = "github"
  description = "FLEETPILOT_GITOPS_SOURCE: `github` or `gitlab`; selects the webhook secret the receiver reads"
  validation {
    condition     = contains(["github", "gitlab"], var.gitops_source)
    error_message = "gitops_source must be github or gitlab."
  }
}

variable "gitops_repository" {
  type        = string
  description = "FLEETPILOT_GITOPS_REPOSITORY: OWNER/NAME (GitLab: GROUP/.../NAME) of the fleet configuration repository"
}

variable "gitops_branch" {
  type        = string
  default     = "main"
  description = "FLEETPILOT_GITOPS_BRANCH"
}

variable "gitops_config_path" {
  type        = string
  default     = "fleet.yaml"
  description = "FLEETPILOT_GITOPS_CONFIG_PATH"
}

variable "gitops_api_url" {
  type        = string
  default     = ""
  description = "FLEETPILOT_GITOPS_API_URL: GitHub Enterprise or self-managed GitLab API base URL (empty: github.com / gitlab.com)"
}

variable "slack_enabled" {
  type        = bool
  default     = true
  description = "mount the Slack signing secret on the service (Slack commands are refused without it)"
}

variable "api_principals" {
  type        = string
  default     = ""
  description = "FLEETPILOT_API_PRINCIPALS: EMAIL=ROLE,... for Google ID tokens and Slack users"
}

variable "api_audience" {
  type        = string
  default     = ""
  description = "FLEETPILOT_API_AUDIENCE: the service URL Google ID tokens are minted for (empty: API tokens only). Known after the first apply: the services_url output"
}

variable "slack_users" {
  type        = string
  default     = ""
  description = "FLEETPILOT_SLACK_USERS: SLACK_USER_ID=EMAIL,..."
}

variable "slack_approvals_channel" {
  type        = string
  default     = ""
  description = "FLEETPILOT_SLACK_APPROVALS_CHANNEL: the channel id (C…) pending approvals are posted to with Approve / Deny buttons; empty: approvals are not posted. Needs the slack-bot-token secret and slack_enabled (the buttons' clicks are signed)"
  validation {
    condition     = var.slack_approvals_channel == "" || can(regex("^[CGD][A-Z0-9]{2,}$", var.slack_approvals_channel))
    error_message = "slack_approvals_channel must be a Slack channel id such as C0123456789 (not a #name)."
  }
}

variable "log_level" {
  type    = string
  default = "INFO"
}

variable "alert_regions" {
  type        = list(string)
  default     = []
  description = "regions that get an example alert policy (load balancer 5xx rate of the region's backends) labelled region=REGION, notifying the health-alerts topic"
}

variable "alert_5xx_per_second" {
  type        = number
  default     = 5
  description = "threshold of the example alert policies"
}

variable "grant_mcs_importer" {
  type        = bool
  default     = true
  description = "grant roles/compute.networkViewer to PROJECT.svc.id.goog[gke-mcs/gke-mcs-importer] (without it no ServiceImport appears); the grant fails until the project's first Workload Identity cluster exists: set false for an apply before that"
}

variable "cloudbuild_github" {
  type = object({
    owner  = string
    name   = string
    branch = optional(string, "^main$")
  })
  default     = null
  description = "the GitHub repository of fleetpilot's code, connected to Cloud Build (the Cloud Build GitHub App); null: no deploy trigger, run `gcloud builds submit` instead"
}
