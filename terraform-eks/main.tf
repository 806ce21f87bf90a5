# Shared lookups and the names every file agrees on.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

# The role behind the caller's session (an assumed-role ARN names the session,
# not the role), for the cluster admin access entry.
data "aws_iam_session_context" "current" {
  arn = data.aws_caller_identity.current.arn
}

data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:only the first az_count zones (sorted by name) are used, so a zone AWS adds later changes nothing
  state = "available"
  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

locals {
  # The pod label that places HelloApi pods. It MUST equal the Rust constant
  # hello_crds::COMPUTE_LABEL (crds/src/compute.rs): the operator puts
  # `<key>: fargate` on Fargate pods and a nodeSelector `<key>: nodes` on the
  # others. `make test-terraform` fails when the two differ.
  compute_label = "hello.dev/compute"

  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  dns_suffix = data.aws_partition.current.dns_suffix
  azs        = slice(data.aws_availability_zones.available.names, 0, var.az_count)

  use_nat       = var.egress_mode == "nat"
  use_endpoints = var.egress_mode == "endpoints"

  admin_principal_arn = coalesce(var.admin_principal_arn, data.aws_iam_session_context.current.issuer_arn)

  # The ServiceAccounts the operator gives the HelloApi's API pods and
  # consumer pods (operator/src/build/service_account.rs).
  api_service_account      = var.helloapi_name
  consumer_service_account = "${var.helloapi_name}-consumer"

  node_architecture = var.node_architecture
  node_ami_type     = local.node_architecture == "arm64" ? "BOTTLEROCKET_ARM_64" : "BOTTLEROCKET_x86_64"
  default_instance_types = {
    arm64  = ["m7g.large", "m6g.large", "t4g.large"]
    x86_64 = ["m7i.large", "m6i.large", "t3.large"]
  }
  node_instance_types = length(var.node_instance_types) > 0 ? var.node_instance_types : local.default_instance_types[local.node_architecture]

  kafka_serverless  = var.enable_kafka && var.kafka_mode == "serverless"
  kafka_provisioned = var.enable_kafka && var.kafka_mode == "provisioned"
}
