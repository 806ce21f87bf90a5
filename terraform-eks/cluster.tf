# EKS control plane: access entries only, private endpoint (public optional and
# limited to CIDRs), secrets encrypted with KMS, control-plane logs, pinned
# addons and the OIDC provider for IRSA.

# One customer-managed key for the cluster's secrets, the log groups and ECR.
resource "aws_kms_key" "this" {
  description             = "${var.name}: EKS secrets, CloudWatch log groups, ECR"
  enable_key_rotation     = true
  deletion_window_in_days = 7
  policy                  = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_111:a key policy's Resource "*" is the key itself; the account root statement is the AWS default key policy
  #checkov:skip=CKV_AWS_356:a key policy's Resource "*" is the key itself, not every resource
  #checkov:skip=CKV_AWS_109:the account root statement is the AWS default key policy; IAM policies then grant use of the key
  # The account's IAM policies decide who else may use the key (the default
  # key policy); EKS and ECR use it through grants made by their callers.
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"] # in a key policy, "*" is this key
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid = "CloudWatchLogsEncrypt"
    actions = [
      "kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*",
    ]
    resources = ["*"] # in a key policy, "*" is this key
    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.${local.dns_suffix}"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:*"]
    }
  }
}

# Created before the cluster so its retention and key apply from the first line.
resource "aws_cloudwatch_log_group" "cluster" {
  #checkov:skip=CKV_AWS_338:retention is var.log_retention_days (30 by default, for cost); set 365 or more where audit rules require it
  name              = "/aws/eks/${var.name}/cluster"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
}

resource "aws_eks_cluster" "this" {
  name     = var.name
  version  = var.kubernetes_version
  role_arn = aws_iam_role.cluster.arn

  access_config {
    authentication_mode                         = "API"
    bootstrap_cluster_creator_admin_permissions = false # explicit access entry below
  }

  vpc_config {
    subnet_ids              = aws_subnet.private[*].id
    endpoint_private_access = true
    endpoint_public_access  = length(var.public_access_cidrs) > 0
    public_access_cidrs     = length(var.public_access_cidrs) > 0 ? var.public_access_cidrs : null
  }

  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = aws_kms_key.this.arn
    }
  }

  enabled_cluster_log_types = var.cluster_log_types

  # Addons are managed below, so EKS does not install its unmanaged defaults.
  bootstrap_self_managed_addons = false

  depends_on = [
    aws_cloudwatch_log_group.cluster,
    aws_iam_role_policy_attachment.cluster,
  ]
}

# ---------------------------------------------------------------- access

resource "aws_eks_access_entry" "admin" {
  cluster_name  = aws_eks_cluster.this.name
  principal_arn = local.admin_principal_arn
  type          = "STANDARD"
}

resource "aws_eks_access_policy_association" "admin" {
  cluster_name  = aws_eks_cluster.this.name
  principal_arn = aws_eks_access_entry.admin.principal_arn
  policy_arn    = "arn:${local.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

  access_scope {
    type = "cluster"
  }
}

# ---------------------------------------------------------------- IRSA

resource "aws_iam_openid_connect_provider" "this" {
  url            = aws_eks_cluster.this.identity[0].oidc[0].issuer
  client_id_list = ["sts.${local.dns_suffix}"]
}

locals {
  oidc_issuer = replace(aws_eks_cluster.this.identity[0].oidc[0].issuer, "https://", "")
}

# ---------------------------------------------------------------- addons

locals {
  addons = toset(["vpc-cni", "kube-proxy", "coredns", "eks-pod-identity-agent"])
}

# The version EKS marks default for this Kubernetes version, for each addon
# not pinned in var.addon_versions.
data "aws_eks_addon_version" "default" {
  for_each = toset([for a in local.addons : a if !contains(keys(var.addon_versions), a)])

  addon_name         = each.key
  kubernetes_version = var.kubernetes_version # not the cluster's: known at plan time
  most_recent        = false
}

locals {
  addon_version = {
    for a in local.addons : a => lookup(var.addon_versions, a, try(data.aws_eks_addon_version.default[a].version, null))
  }
}

# Networking addons first: nodes only become Ready with the VPC CNI.
resource "aws_eks_addon" "vpc_cni" {
  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = "vpc-cni"
  addon_version               = local.addon_version["vpc-cni"]
  service_account_role_arn    = aws_iam_role.vpc_cni.arn
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"
}

resource "aws_eks_addon" "kube_proxy" {
  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = "kube-proxy"
  addon_version               = local.addon_version["kube-proxy"]
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"
}

resource "aws_eks_addon" "pod_identity_agent" {
  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = "eks-pod-identity-agent"
  addon_version               = local.addon_version["eks-pod-identity-agent"]
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"

  depends_on = [aws_eks_node_group.bottlerocket]
}

# CoreDNS needs somewhere to run: the node group, or Fargate when
# fargate_kube_system is on (computeType Fargate drops the EC2 annotation that
# kept older setups off a Fargate-only cluster).
resource "aws_eks_addon" "coredns" {
  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = "coredns"
  addon_version               = local.addon_version["coredns"]
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"
  configuration_values        = var.fargate_kube_system ? jsonencode({ computeType = "Fargate" }) : null

  depends_on = [
    aws_eks_node_group.bottlerocket,
    aws_eks_fargate_profile.kube_system,
  ]
}
