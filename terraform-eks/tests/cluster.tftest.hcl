# The control plane, the node group, Fargate profiles and IRSA trust.

mock_provider "aws" {
  source = "./tests"
}

run "cluster_defaults" {
  command = plan

  assert {
    condition     = aws_eks_cluster.this.access_config[0].authentication_mode == "API"
    error_message = "Access is through access entries only."
  }
  assert {
    condition     = aws_eks_cluster.this.vpc_config[0].endpoint_private_access && !aws_eks_cluster.this.vpc_config[0].endpoint_public_access
    error_message = "The API endpoint is private unless public_access_cidrs names networks."
  }
  assert {
    condition     = one(aws_eks_cluster.this.encryption_config[0].resources) == "secrets"
    error_message = "Secrets are encrypted with KMS."
  }
  assert {
    condition     = length(aws_eks_cluster.this.enabled_cluster_log_types) == 5 && aws_cloudwatch_log_group.cluster.retention_in_days == 30
    error_message = "All control-plane logs are on, with a retention."
  }
  assert {
    condition     = aws_eks_access_entry.admin.principal_arn == "arn:aws:iam::123456789012:role/admin"
    error_message = "The role running terraform (not its session) gets the admin access entry."
  }
  assert {
    condition     = aws_eks_addon.vpc_cni.addon_version == "v1.0.0-eksbuild.1" && aws_eks_addon.coredns.addon_version == "v1.0.0-eksbuild.1"
    error_message = "Addons are pinned (to the EKS default of the Kubernetes version unless addon_versions names one)."
  }
}

run "public_endpoint_limited_to_cidrs" {
  command = plan

  variables {
    public_access_cidrs = ["203.0.113.7/32"]
    addon_versions      = { "vpc-cni" = "v1.20.0-eksbuild.1" }
  }

  assert {
    condition     = aws_eks_cluster.this.vpc_config[0].endpoint_public_access && tolist(aws_eks_cluster.this.vpc_config[0].public_access_cidrs) == tolist(["203.0.113.7/32"])
    error_message = "The public endpoint is on and limited to the given CIDRs."
  }
  assert {
    condition     = aws_eks_addon.vpc_cni.addon_version == "v1.20.0-eksbuild.1"
    error_message = "addon_versions pins an addon."
  }
}

run "bottlerocket_graviton_on_demand_by_default" {
  command = plan

  assert {
    condition     = aws_eks_node_group.bottlerocket.ami_type == "BOTTLEROCKET_ARM_64" && aws_eks_node_group.bottlerocket.capacity_type == "ON_DEMAND"
    error_message = "Default nodes: Bottlerocket on Graviton, on-demand."
  }
  assert {
    condition     = contains(aws_eks_node_group.bottlerocket.instance_types, "m7g.large")
    error_message = "Default instance types are Graviton."
  }
  assert {
    condition     = aws_eks_node_group.bottlerocket.labels["hello.dev/compute"] == "nodes"
    error_message = "Nodes carry the label that `compute: nodes` selects."
  }
  assert {
    condition     = length(aws_eks_node_group.bottlerocket.remote_access) == 0
    error_message = "No SSH access to nodes."
  }
  assert {
    condition     = aws_launch_template.nodes.metadata_options[0].http_tokens == "required"
    error_message = "IMDSv2 is required."
  }
  assert {
    condition     = alltrue([for b in aws_launch_template.nodes.block_device_mappings : b.ebs[0].encrypted == "true"])
    error_message = "Node volumes are encrypted."
  }
}

run "spot_and_x86_reach_the_node_group" {
  command = plan

  variables {
    node_architecture  = "x86_64"
    node_capacity_type = "SPOT"
  }

  assert {
    condition     = aws_eks_node_group.bottlerocket.ami_type == "BOTTLEROCKET_x86_64"
    error_message = "x86_64 selects the x86 Bottlerocket AMI."
  }
  assert {
    condition     = aws_eks_node_group.bottlerocket.capacity_type == "SPOT"
    error_message = "SPOT reaches the node group."
  }
  assert {
    condition     = contains(aws_eks_node_group.bottlerocket.instance_types, "m7i.large") && !contains(aws_eks_node_group.bottlerocket.instance_types, "m7g.large")
    error_message = "x86_64 gets x86 instance types by default."
  }
}

run "explicit_instance_types_win" {
  command = plan

  variables {
    node_instance_types = ["c7g.xlarge"]
  }

  assert {
    condition     = aws_eks_node_group.bottlerocket.instance_types == tolist(["c7g.xlarge"])
    error_message = "node_instance_types replaces the defaults."
  }
}

run "rejects_an_unknown_architecture" {
  command = plan

  variables {
    node_architecture = "riscv"
  }

  expect_failures = [var.node_architecture]
}

run "rejects_desired_below_min" {
  command = plan

  variables {
    node_min_size     = 3
    node_desired_size = 2
  }

  expect_failures = [aws_eks_node_group.bottlerocket]
}

run "fargate_profile_selects_namespace_and_compute_label" {
  command = plan

  assert {
    condition = anytrue([for s in aws_eks_fargate_profile.hello.selector :
    s.namespace == "hello" && s.labels == tomap({ "hello.dev/compute" = "fargate" })])
    error_message = "The Fargate profile selects the HelloApi namespace and hello.dev/compute=fargate."
  }
  assert {
    condition     = length(aws_eks_fargate_profile.kube_system) == 0
    error_message = "No kube-system Fargate profile by default."
  }
}

run "coredns_on_fargate" {
  command = plan

  variables {
    fargate_kube_system = true
  }

  assert {
    condition     = length(aws_eks_fargate_profile.kube_system) == 1
    error_message = "fargate_kube_system adds the kube-system profile."
  }
  assert {
    condition     = jsondecode(aws_eks_addon.coredns.configuration_values).computeType == "Fargate"
    error_message = "CoreDNS runs with computeType Fargate."
  }
}

run "service_roles_trust_their_service" {
  command = plan

  assert {
    condition = { for k, d in data.aws_iam_policy_document.service_assume : k => flatten([for s in d.statement : [for p in s.principals : p.identifiers]]) } == {
      eks = ["eks.amazonaws.com"], ec2 = ["ec2.amazonaws.com"], eks-fargate-pods = ["eks-fargate-pods.amazonaws.com"], vpc-flow-logs = ["vpc-flow-logs.amazonaws.com"]
    }
    error_message = "Each service role trusts its own service principal."
  }
  assert {
    condition     = flatten([for s in data.aws_iam_policy_document.service_assume["eks"].statement : tolist(s.actions)]) == ["sts:AssumeRole", "sts:TagSession"]
    error_message = "The cluster role may also tag its session."
  }
  assert {
    condition = flatten([for s in data.aws_iam_policy_document.service_assume["eks-fargate-pods"].statement : [for c in s.condition :
    c.values if c.test == "ArnLike" && c.variable == "aws:SourceArn"]]) == ["arn:aws:eks:eu-west-1:123456789012:fargateprofile/hello/*"]
    error_message = "The Fargate pod execution role serves only this cluster's profiles."
  }
  assert {
    condition = flatten([for s in data.aws_iam_policy_document.service_assume["vpc-flow-logs"].statement : [for c in s.condition :
    c.values if c.test == "StringEquals" && c.variable == "aws:SourceAccount"]]) == ["123456789012"]
    error_message = "The flow logs role serves only this account."
  }
  assert {
    condition     = alltrue([for k in ["eks", "ec2"] : length(flatten([for s in data.aws_iam_policy_document.service_assume[k].statement : s.condition])) == 0])
    error_message = "The cluster and node roles have no trust condition."
  }
}

run "irsa_roles_trust_one_service_account_each" {
  # apply: the trust policies name the OIDC issuer, known only after the
  # (mock) cluster exists.
  command = apply

  assert {
    condition = flatten([for s in data.aws_iam_policy_document.irsa_assume["api"].statement : [for c in s.condition :
    c.values if c.variable == "oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF:sub"]]) == ["system:serviceaccount:hello:demo"]
    error_message = "The api role trusts only hello/demo, the ServiceAccount of the HelloApi's API pods."
  }
  assert {
    condition = flatten([for s in data.aws_iam_policy_document.irsa_assume["consumer"].statement : [for c in s.condition :
    c.values if c.variable == "oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF:sub"]]) == ["system:serviceaccount:hello:demo-consumer"]
    error_message = "The consumer role trusts only hello/demo-consumer, the ServiceAccount of the HelloApi's consumer pods."
  }
  assert {
    condition     = aws_iam_role.api.name == "hello-api-demo" && aws_iam_role.consumer.name == "hello-consumer-demo"
    error_message = "The API and the consumer have a role each."
  }
  assert {
    condition = anytrue(flatten([for s in data.aws_iam_policy_document.irsa_assume["operator"].statement : [for c in s.condition :
    contains(c.values, "system:serviceaccount:hello-system:hello-operator")]]))
    error_message = "The operator role trusts only hello-system/hello-operator."
  }
  assert {
    condition = anytrue(flatten([for s in data.aws_iam_policy_document.irsa_assume["load_balancer_controller"].statement : [for c in s.condition :
    contains(c.values, "system:serviceaccount:kube-system:aws-load-balancer-controller")]]))
    error_message = "The ALB controller role trusts only kube-system/aws-load-balancer-controller."
  }
  assert {
    condition = toset(flatten([for s in data.aws_iam_policy_document.operator.statement : tolist(s.actions)])) == toset([
    "eks:DescribeCluster", "eks:ListFargateProfiles", "eks:DescribeFargateProfile"])
    error_message = "The operator may only describe the cluster and list/describe its Fargate profiles."
  }
}

run "no_load_balancer_controller_role_when_off" {
  command = plan

  variables {
    enable_load_balancer_controller = false
  }

  assert {
    condition     = length(aws_iam_role.load_balancer_controller) == 0 && length(aws_iam_policy.load_balancer_controller) == 0
    error_message = "enable_load_balancer_controller = false creates no controller IAM."
  }
}
