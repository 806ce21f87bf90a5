# The printed commands, values and manifests are complete and well formed.

mock_provider "aws" {
  source = "./tests"
}

run "outputs_are_ready_to_use" {
  command = apply

  variables {
    name   = "demo-eks"
    region = "eu-central-1"
  }

  assert {
    condition     = output.update_kubeconfig_command == "aws eks update-kubeconfig --region eu-central-1 --name demo-eks"
    error_message = "update_kubeconfig_command names the region and cluster."
  }
  assert {
    condition     = toset(keys(output.ecr_repository_urls)) == toset(["hello-operator", "hello-api", "hello-consumer"])
    error_message = "One ECR repository per image."
  }
  assert {
    condition     = alltrue([for k, v in output.role_arns : can(regex("^arn:aws:iam::[0-9]{12}:role/", v))])
    error_message = "Every role ARN is an IAM role ARN."
  }
  assert {
    condition     = !contains(keys(output.role_arns), "app") && contains(keys(output.role_arns), "api") && contains(keys(output.role_arns), "consumer")
    error_message = "The API and the consumer have separate roles (no shared app role)."
  }
  assert {
    condition     = output.fargate_namespace == "hello" && output.fargate_selector_labels["hello.dev/compute"] == "fargate" && length(output.fargate_selector_labels) == 1
    error_message = "The Fargate namespace and label are outputs."
  }
  assert {
    condition = (yamldecode(output.helm_values).eks.clusterName == "demo-eks" && yamldecode(output.helm_values).eks.region == "eu-central-1"
      && yamldecode(output.helm_values).serviceAccount.annotations["eks.amazonaws.com/role-arn"] == output.role_arns.operator
    && yamldecode(output.helm_values).nodeSelector["hello.dev/compute"] == "nodes")
    error_message = "The Helm values name the cluster, region, operator role and node selector."
  }
  assert {
    condition     = strcontains(yamldecode(output.helm_values).images.api.repository, ".dkr.ecr.") && yamldecode(output.helm_values).images.tag == "0.1.0"
    error_message = "The Helm values point at the ECR images with the pinned tag."
  }
  assert {
    condition = (yamldecode(split("---\n", output.helloapi_yaml)[0]).kind == "Namespace"
    && yamldecode(split("---\n", output.helloapi_yaml)[0]).metadata.name == "hello")
    error_message = "The printed YAML creates the Fargate namespace first."
  }
  assert {
    condition     = yamldecode(split("---\n", output.helloapi_yaml)[0]).metadata.labels["elbv2.k8s.aws/pod-readiness-gate-inject"] == "enabled"
    error_message = "The namespace asks the AWS Load Balancer Controller for its pod readiness gate (rollouts wait for ALB registration)."
  }
  assert {
    condition = (yamldecode(split("---\n", output.helloapi_yaml)[1]).apiVersion == "hello.dev/v1alpha1"
      && yamldecode(split("---\n", output.helloapi_yaml)[1]).kind == "HelloApi"
      && yamldecode(split("---\n", output.helloapi_yaml)[1]).spec.compute == "fargate"
      && yamldecode(split("---\n", output.helloapi_yaml)[1]).spec.ingress.className == "alb"
    && yamldecode(split("---\n", output.helloapi_yaml)[1]).spec.serviceAccount.annotations["eks.amazonaws.com/role-arn"] == output.role_arns.api)
    error_message = "The printed HelloApi runs on Fargate behind an ALB with its IRSA role."
  }
  assert {
    condition     = strcontains(output.load_balancer_controller_install_command, "--set vpcId=vpc-0123456789abcdef0") && strcontains(output.load_balancer_controller_install_command, "clusterName=demo-eks")
    error_message = "The ALB controller command carries cluster name, region, VPC and role."
  }
}

run "rejects_a_bad_cluster_name" {
  command = plan

  variables {
    name = "Hello_EKS"
  }

  expect_failures = [var.name]
}

run "rejects_the_latest_tag" {
  command = plan

  variables {
    image_tag = "latest"
  }

  expect_failures = [var.image_tag]
}
