# fleetpilot's own state in Firestore (native mode).
resource "google_firestore_database" "state" {
  name        = "(default)"
  location_id = var.region
  type        = "FIRESTORE_NATIVE"
  depends_on  = [google_project_service.api]
}

# TTL on `expireAt`, for every collection whose documents expire: one per collection of
# TTL_COLLECTIONS in shared/state/retention.ts, where each lifetime is documented (checked by
# test/unit/infra-consistency.test.ts). TTL deletion is eventual (usually within a day of expiry):
# readers for which an expired document would change behaviour check `expireAt` themselves.
resource "google_firestore_field" "ttl" {
  for_each   = toset(["processedEvents", "idempotencyKeys", "operations", "leases", "clusters", "apiTokens", "configRevisions", "drills", "approvals"])
  database   = google_firestore_database.state.name
  collection = each.key
  field      = "expireAt"
  ttl_config {}
}

moved {
  from = google_firestore_field.markers_ttl
  to   = google_firestore_field.ttl["processedEvents"]
}

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
