# Terraform and the google provider. State lives in a GCS bucket created once by the bootstrap
# (README "Deploy"): `terraform init -backend-config="bucket=PROJECT-tfstate"`.
terraform {
  required_version = ">= 1.7" # removed blocks
  required_providers {
    google = { source = "hashicorp/google", version = ">= 7.0, < 8.0" }
  }
  backend "gcs" {
    prefix = "fleetpilot"
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
  default_labels = {
    app = "fleetpilot"
  }
}

data "google_project" "this" {
  project_id = var.project_id
}
