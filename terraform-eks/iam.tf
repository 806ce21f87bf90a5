# IAM: the roles AWS services assume (cluster, nodes, Fargate, flow logs) and
# the IRSA roles, each trusting exactly one ServiceAccount of this cluster.

# ---------------------------------------------------------------- service trust
# The roles AWS services assume trust one service principal each (the key);
# Fargate and flow logs also pin the source, against a confused deputy.

locals {
  service_trust = {
    eks = { actions = ["sts:AssumeRole", "sts:TagSession"], conditions = [] }
    ec2 = { actions = ["sts:AssumeRole"], conditions = [] }
    eks-fargate-pods = {
      actions = ["sts:AssumeRole"]
      conditions = [{
        test     = "ArnLike"
        variable = "aws:SourceArn"
        values   = ["arn:${local.partition}:eks:${var.region}:${local.account_id}:fargateprofile/${var.name}/*"]
      }]
    }
    vpc-flow-logs = {
      actions    = ["sts:AssumeRole"]
      conditions = [{ test = "StringEquals", variable = "aws:SourceAccount", values = [local.account_id] }]
    }
  }
}

data "aws_iam_policy_document" "service_assume" {
  for_each = local.service_trust

  statement {
    actions = each.value.actions
    principals {
      type        = "Service"
      identifiers = ["${each.key}.${local.dns_suffix}"]
    }
    dynamic "condition" {
      for_each = each.value.conditions
      content {
        test     = condition.value.test
        variable = condition.value.variable
        values   = condition.value.values
      }
    }
  }
}

# ---------------------------------------------------------------- cluster

resource "aws_iam_role" "cluster" {
  name               = "${var.name}-cluster"
  assume_role_policy = data.aws_iam_policy_document.service_assume["eks"].json
}

resource "aws_iam_role_policy_attachment" "cluster" {
  role       = aws_iam_role.cluster.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonEKSClusterPolicy"
}

# ---------------------------------------------------------------- nodes

resource "aws_iam_role" "node" {
  name               = "${var.name}-node"
  assume_role_policy = data.aws_iam_policy_document.service_assume["ec2"].json
}

# The VPC CNI's permissions are on its own IRSA role (vpc_cni below), not here.
resource "aws_iam_role_policy_attachment" "node" {
  for_each = toset([
    "AmazonEKSWorkerNodePolicy",
    "AmazonEC2ContainerRegistryPullOnly",
    "AmazonSSMManagedInstanceCore", # Bottlerocket control container (SSM), no SSH
  ])

  role       = aws_iam_role.node.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/${each.key}"
}

# ---------------------------------------------------------------- Fargate

resource "aws_iam_role" "fargate" {
  name               = "${var.name}-fargate-pod-execution"
  assume_role_policy = data.aws_iam_policy_document.service_assume["eks-fargate-pods"].json
}

resource "aws_iam_role_policy_attachment" "fargate" {
  role       = aws_iam_role.fargate.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy"
}

# ---------------------------------------------------------------- IRSA
# Fargate pods cannot use EKS Pod Identity, so every workload role is an IRSA
# role: trusted by this cluster's OIDC provider for one namespace/name only.

locals {
  irsa_subjects = merge(
    {
      vpc_cni  = { namespace = "kube-system", service_account = "aws-node" }
      operator = { namespace = var.operator_namespace, service_account = var.operator_service_account }
      # The HelloApi's API pods and consumer pods each have their own
      # ServiceAccount (`<name>` and `<name>-consumer`), so each gets a role
      # with only its own Kafka policy.
      api      = { namespace = var.hello_namespace, service_account = local.api_service_account }
      consumer = { namespace = var.hello_namespace, service_account = local.consumer_service_account }
    },
    var.enable_load_balancer_controller ? {
      load_balancer_controller = { namespace = "kube-system", service_account = "aws-load-balancer-controller" }
    } : {},
  )
}

data "aws_iam_policy_document" "irsa_assume" {
  for_each = local.irsa_subjects

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.this.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:sub"
      values   = ["system:serviceaccount:${each.value.namespace}:${each.value.service_account}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.oidc_issuer}:aud"
      values   = ["sts.${local.dns_suffix}"]
    }
  }
}

resource "aws_iam_role" "vpc_cni" {
  name               = "${var.name}-vpc-cni"
  assume_role_policy = data.aws_iam_policy_document.irsa_assume["vpc_cni"].json
}

resource "aws_iam_role_policy_attachment" "vpc_cni" {
  role       = aws_iam_role.vpc_cni.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonEKS_CNI_Policy"
}

# ---------------------------------------------------------------- operator

resource "aws_iam_role" "operator" {
  name               = "${var.name}-operator"
  assume_role_policy = data.aws_iam_policy_document.irsa_assume["operator"].json
}

# The Fargate profile check: list and describe this cluster's profiles.
data "aws_iam_policy_document" "operator" {
  statement {
    sid       = "DescribeCluster"
    actions   = ["eks:DescribeCluster", "eks:ListFargateProfiles"]
    resources = [aws_eks_cluster.this.arn]
  }
  statement {
    sid       = "DescribeFargateProfiles"
    actions   = ["eks:DescribeFargateProfile"]
    resources = ["arn:${local.partition}:eks:${var.region}:${local.account_id}:fargateprofile/${var.name}/*"]
  }
}

resource "aws_iam_role_policy" "operator" {
  name   = "fargate-profile-check"
  role   = aws_iam_role.operator.id
  policy = data.aws_iam_policy_document.operator.json
}

# ---------------------------------------------------------------- HelloApi pods

# hello-api pods (ServiceAccount `<helloapi_name>`).
resource "aws_iam_role" "api" {
  name               = "${var.name}-api-${var.helloapi_name}"
  assume_role_policy = data.aws_iam_policy_document.irsa_assume["api"].json
}

# hello-consumer pods (ServiceAccount `<helloapi_name>-consumer`). Without
# enable_kafka it has no policy, and the operator makes no such ServiceAccount.
resource "aws_iam_role" "consumer" {
  name               = "${var.name}-consumer-${var.helloapi_name}"
  assume_role_policy = data.aws_iam_policy_document.irsa_assume["consumer"].json
}

locals {
  # MSK IAM resources: topic and group ARNs are the cluster ARN with
  # `cluster/` swapped for `topic/` or `group/`, plus the name.
  kafka_cluster_arn = local.kafka_serverless ? aws_msk_serverless_cluster.this[0].arn : (
    local.kafka_provisioned ? aws_msk_cluster.this[0].arn : null
  )
  kafka_topic_arn = var.enable_kafka ? "${replace(local.kafka_cluster_arn, ":cluster/", ":topic/")}/${var.kafka_topic}" : null
  kafka_group_arn = var.enable_kafka ? "${replace(local.kafka_cluster_arn, ":cluster/", ":group/")}/${var.kafka_consumer_group}" : null
}

# hello-api: write events, creating the topic when it is missing.
data "aws_iam_policy_document" "kafka_api" {
  count = var.enable_kafka ? 1 : 0

  statement {
    sid       = "Connect"
    actions   = ["kafka-cluster:Connect"]
    resources = [local.kafka_cluster_arn]
  }
  statement {
    sid = "WriteTopic"
    actions = [
      "kafka-cluster:DescribeTopic",
      "kafka-cluster:CreateTopic",
      "kafka-cluster:WriteData",
    ]
    resources = [local.kafka_topic_arn]
  }
}

# hello-consumer: read the topic and commit offsets in its group.
data "aws_iam_policy_document" "kafka_consumer" {
  count = var.enable_kafka ? 1 : 0

  statement {
    sid       = "Connect"
    actions   = ["kafka-cluster:Connect"]
    resources = [local.kafka_cluster_arn]
  }
  statement {
    sid       = "ReadTopic"
    actions   = ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"]
    resources = [local.kafka_topic_arn]
  }
  statement {
    sid       = "ConsumerGroup"
    actions   = ["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"]
    resources = [local.kafka_group_arn]
  }
}

resource "aws_iam_policy" "kafka_api" {
  count = var.enable_kafka ? 1 : 0

  name        = "${var.name}-kafka-api"
  description = "hello-api: connect to MSK, create, describe and write topic ${var.kafka_topic}"
  policy      = data.aws_iam_policy_document.kafka_api[0].json
}

resource "aws_iam_policy" "kafka_consumer" {
  count = var.enable_kafka ? 1 : 0

  name        = "${var.name}-kafka-consumer"
  description = "hello-consumer: connect to MSK, read topic ${var.kafka_topic} in group ${var.kafka_consumer_group}"
  policy      = data.aws_iam_policy_document.kafka_consumer[0].json
}

resource "aws_iam_role_policy_attachment" "api_kafka" {
  count = var.enable_kafka ? 1 : 0

  role       = aws_iam_role.api.name
  policy_arn = aws_iam_policy.kafka_api[0].arn
}

resource "aws_iam_role_policy_attachment" "consumer_kafka" {
  count = var.enable_kafka ? 1 : 0

  role       = aws_iam_role.consumer.name
  policy_arn = aws_iam_policy.kafka_consumer[0].arn
}

# ---------------------------------------------------------------- ALB controller

resource "aws_iam_role" "load_balancer_controller" {
  count = var.enable_load_balancer_controller ? 1 : 0

  name               = "${var.name}-aws-load-balancer-controller"
  assume_role_policy = data.aws_iam_policy_document.irsa_assume["load_balancer_controller"].json
}

# policies/aws-load-balancer-controller.json: the calls the controller (v2.x)
# makes. Its Describe*/Get* actions have no resource-level permissions; the
# writes to existing security groups, load balancers and target groups need
# the elbv2.k8s.aws/cluster tag the controller puts on what it creates.
resource "aws_iam_policy" "load_balancer_controller" {
  count = var.enable_load_balancer_controller ? 1 : 0

  name        = "${var.name}-aws-load-balancer-controller"
  description = "AWS Load Balancer Controller of ${var.name}"
  policy      = templatefile("${path.module}/policies/aws-load-balancer-controller.json", { partition = local.partition })
}

resource "aws_iam_role_policy_attachment" "load_balancer_controller" {
  count = var.enable_load_balancer_controller ? 1 : 0

  role       = aws_iam_role.load_balancer_controller[0].name
  policy_arn = aws_iam_policy.load_balancer_controller[0].arn
}

# ---------------------------------------------------------------- flow logs

data "aws_iam_policy_document" "flow_logs" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["${try(aws_cloudwatch_log_group.flow_logs[0].arn, "")}:*"]
  }
}

resource "aws_iam_role" "flow_logs" {
  count = var.enable_flow_logs ? 1 : 0

  name               = "${var.name}-vpc-flow-logs"
  assume_role_policy = data.aws_iam_policy_document.service_assume["vpc-flow-logs"].json
}

resource "aws_iam_role_policy" "flow_logs" {
  count = var.enable_flow_logs ? 1 : 0

  name   = "write-flow-logs"
  role   = aws_iam_role.flow_logs[0].id
  policy = data.aws_iam_policy_document.flow_logs.json
}
