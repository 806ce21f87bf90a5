# Where pods run: Fargate for HelloApi pods labelled `<compute_label>: fargate`
# (and optionally CoreDNS), a Bottlerocket managed node group for the rest
# (the operator, the ALB controller, `compute: nodes` pods).

resource "aws_eks_fargate_profile" "hello" {
  cluster_name           = aws_eks_cluster.this.name
  fargate_profile_name   = "${var.name}-hello"
  pod_execution_role_arn = aws_iam_role.fargate.arn
  subnet_ids             = aws_subnet.private[*].id

  selector {
    namespace = var.hello_namespace
    labels    = { (local.compute_label) = "fargate" }
  }
}

resource "aws_eks_fargate_profile" "kube_system" {
  count = var.fargate_kube_system ? 1 : 0

  cluster_name           = aws_eks_cluster.this.name
  fargate_profile_name   = "${var.name}-coredns"
  pod_execution_role_arn = aws_iam_role.fargate.arn
  subnet_ids             = aws_subnet.private[*].id

  selector {
    namespace = "kube-system"
    labels    = { "k8s-app" = "kube-dns" }
  }
}

# ---------------------------------------------------------------- nodes

resource "aws_launch_template" "nodes" {
  name_prefix            = "${var.name}-bottlerocket-"
  description            = "Bottlerocket nodes of ${var.name}: encrypted volumes, IMDSv2 only, no SSH"
  update_default_version = true

  # Bottlerocket: /dev/xvda holds the OS, /dev/xvdb the data (images, pods).
  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size           = 4
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }

  block_device_mappings {
    device_name = "/dev/xvdb"
    ebs {
      volume_size           = var.node_data_volume_size
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }

  metadata_options {
    http_endpoint = "enabled"
    http_tokens   = "required" # IMDSv2 only
    # 1: pods (which use IRSA) cannot reach the node's credentials; the ALB
    # controller gets region and VPC id as flags instead of from IMDS.
    http_put_response_hop_limit = 1
  }

  # Bottlerocket settings (TOML), merged by EKS with the cluster bootstrap
  # settings. No SSH key anywhere: the admin container stays off and is
  # reached only through SSM (the control container) when needed.
  user_data = base64encode(<<-TOML
    [settings.host-containers.admin]
    enabled = false

    [settings.host-containers.control]
    enabled = true
  TOML
  )

  tag_specifications {
    resource_type = "instance"
    tags          = { Name = "${var.name}-bottlerocket" }
  }
}

resource "aws_eks_node_group" "bottlerocket" {
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "${var.name}-bottlerocket"
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = aws_subnet.private[*].id

  ami_type       = local.node_ami_type
  capacity_type  = var.node_capacity_type
  instance_types = local.node_instance_types

  scaling_config {
    min_size     = var.node_min_size
    desired_size = var.node_desired_size
    max_size     = var.node_max_size
  }

  update_config {
    max_unavailable = 1
  }

  launch_template {
    id      = aws_launch_template.nodes.id
    version = aws_launch_template.nodes.latest_version
  }

  # `compute: nodes` pods get this nodeSelector from the operator.
  labels = { (local.compute_label) = "nodes" }

  lifecycle {
    ignore_changes = [scaling_config[0].desired_size]

    precondition {
      condition     = var.node_min_size <= var.node_desired_size && var.node_desired_size <= var.node_max_size
      error_message = "Need node_min_size <= node_desired_size <= node_max_size."
    }
  }

  depends_on = [
    aws_iam_role_policy_attachment.node,
    aws_eks_addon.vpc_cni,
    aws_eks_addon.kube_proxy,
    aws_route.private_nat,
    aws_vpc_endpoint.interface,
    aws_vpc_endpoint.s3,
  ]
}
