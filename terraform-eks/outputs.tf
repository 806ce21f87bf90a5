# What the next commands need, ready to use: `aws eks update-kubeconfig`,
# `helm install` (operator, ALB controller) and `kubectl apply` (HelloApi).

locals {
  ecr_urls = { for k, r in aws_ecr_repository.this : k => r.repository_url }

  irsa_annotation = "eks.amazonaws.com/role-arn"

  # Values for helm/hello-operator. The operator runs on the Bottlerocket
  # nodes and checks Fargate profiles with the EKS API through IRSA.
  helm_values = {
    # The chart's keys (helm/hello-operator/values.yaml): full ECR
    # repository URLs, so images.registry stays empty.
    images = {
      tag      = var.image_tag
      operator = { repository = local.ecr_urls["hello-operator"] }
      api      = { repository = local.ecr_urls["hello-api"] }
      consumer = { repository = local.ecr_urls["hello-consumer"] }
    }
    eks = {
      clusterName = aws_eks_cluster.this.name
      region      = var.region
    }
    serviceAccount = {
      name        = var.operator_service_account
      annotations = { (local.irsa_annotation) = aws_iam_role.operator.arn }
    }
    nodeSelector = { (local.compute_label) = "nodes" }
  }

  helloapi_spec = merge(
    {
      replicas = 2
      image    = "${local.ecr_urls["hello-api"]}:${var.image_tag}"
      compute  = "fargate"
      ingress = {
        enabled   = true
        className = "alb"
        scheme    = "internet-facing"
      }
      serviceAccount = {
        annotations = { (local.irsa_annotation) = aws_iam_role.api.arn }
      }
    },
    var.enable_kafka ? {
      kafka = {
        bootstrapServers = local.kafka_bootstrap_brokers
        topic            = var.kafka_topic
        auth             = { mechanism = "iam", region = var.region }
        consumer = {
          replicas = 1
          groupId  = var.kafka_consumer_group
          compute  = "nodes"
          image    = "${local.ecr_urls["hello-consumer"]}:${var.image_tag}"
          serviceAccount = {
            annotations = { (local.irsa_annotation) = aws_iam_role.consumer.arn }
          }
        }
      }
    } : {},
  )
}

output "update_kubeconfig_command" {
  description = "Writes a kubeconfig entry for the cluster."
  value       = "aws eks update-kubeconfig --region ${var.region} --name ${aws_eks_cluster.this.name}"
}

output "cluster_name" {
  description = "Name of the EKS cluster (the operator's --eks-cluster-name)."
  value       = aws_eks_cluster.this.name
}

output "region" {
  description = "AWS region (the operator's --aws-region)."
  value       = var.region
}

output "cluster_endpoint" {
  description = "Kubernetes API endpoint."
  value       = aws_eks_cluster.this.endpoint
}

output "vpc_id" {
  description = "VPC id (the ALB controller's vpcId)."
  value       = aws_vpc.this.id
}

output "ecr_repository_urls" {
  description = "ECR repository URL of each image (hello-operator, hello-api, hello-consumer)."
  value       = local.ecr_urls
}

output "ecr_login_command" {
  description = "Logs docker in to the ECR registry."
  value       = "aws ecr get-login-password --region ${var.region} | docker login --username AWS --password-stdin ${split("/", local.ecr_urls["hello-api"])[0]}"
}

output "role_arns" {
  description = "IAM role ARNs: operator, api (the HelloApi's API pods), consumer (its consumer pods), load_balancer_controller, vpc_cni, node, fargate_pod_execution."
  value = {
    operator                 = aws_iam_role.operator.arn
    api                      = aws_iam_role.api.arn
    consumer                 = aws_iam_role.consumer.arn
    load_balancer_controller = try(aws_iam_role.load_balancer_controller[0].arn, null)
    vpc_cni                  = aws_iam_role.vpc_cni.arn
    node                     = aws_iam_role.node.arn
    fargate_pod_execution    = aws_iam_role.fargate.arn
  }
}

output "kafka_bootstrap_brokers_iam" {
  description = "MSK bootstrap brokers for SASL/IAM (port 9098); null without enable_kafka."
  value       = local.kafka_bootstrap_brokers
}

output "fargate_namespace" {
  description = "Namespace the Fargate profile selects."
  value       = var.hello_namespace
}

output "fargate_selector_labels" {
  description = "Pod labels the Fargate profile selects (with the namespace): what the operator puts on `compute: fargate` pods."
  value       = { (local.compute_label) = "fargate" }
}

output "node_labels" {
  description = "Labels of the Bottlerocket nodes: the nodeSelector of `compute: nodes` pods."
  value       = { (local.compute_label) = "nodes" }
}

output "helm_values" {
  description = "Values for helm/hello-operator: terraform output -raw helm_values > values-eks.yaml && helm install hello-operator helm/hello-operator -n <operator_namespace> --create-namespace -f values-eks.yaml"
  value       = yamlencode(local.helm_values)
}

output "operator_install_command" {
  description = "Installs the operator with the printed values (run from the repository root)."
  value       = "terraform -chdir=terraform-eks output -raw helm_values > values-eks.yaml && helm upgrade --install hello-operator helm/hello-operator --namespace ${var.operator_namespace} --create-namespace -f values-eks.yaml"
}

output "load_balancer_controller_install_command" {
  description = "Installs the AWS Load Balancer Controller (eks-charts) with its IRSA role; null when enable_load_balancer_controller is off."
  value = var.enable_load_balancer_controller ? join(" ", compact([
    "helm repo add eks https://aws.github.io/eks-charts && helm repo update eks &&",
    "helm upgrade --install aws-load-balancer-controller eks/aws-load-balancer-controller",
    "--namespace kube-system --version ${var.load_balancer_controller_chart_version}",
    "--set clusterName=${aws_eks_cluster.this.name}",
    "--set region=${var.region}",
    "--set vpcId=${aws_vpc.this.id}",
    "--set serviceAccount.name=aws-load-balancer-controller",
    "--set-string serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn=${aws_iam_role.load_balancer_controller[0].arn}",
    "--set-string nodeSelector.${replace(local.compute_label, ".", "\\.")}=nodes",
    # Without a NAT gateway only ECR is reachable: the regional EKS copy of
    # the controller image instead of the public gallery's.
    local.use_endpoints ? "--set image.repository=602401143452.dkr.ecr.${var.region}.amazonaws.com/amazon/aws-load-balancer-controller" : "",
  ])) : null
}

output "helloapi_yaml" {
  description = "The HelloApi namespace and a HelloApi on Fargate with its IRSA role (and MSK with IAM, the consumer with its own role, when enable_kafka): terraform output -raw helloapi_yaml | kubectl apply -f -"
  value = join("---\n", [
    yamlencode({
      apiVersion = "v1"
      kind       = "Namespace"
      metadata = {
        name = var.hello_namespace
        labels = {
          "pod-security.kubernetes.io/enforce" = "restricted"
          # The AWS Load Balancer Controller injects its readiness gate into
          # the pods here: a new API pod takes traffic only once the ALB has
          # registered it, so a rollout never outruns the target group.
          "elbv2.k8s.aws/pod-readiness-gate-inject" = "enabled"
        }
      }
    }),
    yamlencode({
      apiVersion = "hello.dev/v1alpha1"
      kind       = "HelloApi"
      metadata   = { name = var.helloapi_name, namespace = var.hello_namespace }
      spec       = local.helloapi_spec
    }),
  ])
}
