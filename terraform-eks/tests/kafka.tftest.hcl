# MSK is off by default; serverless or provisioned with IAM when on.

mock_provider "aws" {
  source = "./tests"
}

run "kafka_off_creates_no_msk_resources" {
  command = plan

  assert {
    condition = (length(aws_msk_serverless_cluster.this) + length(aws_msk_cluster.this) + length(aws_msk_configuration.this) +
      length(aws_security_group.kafka) + length(aws_iam_policy.kafka_api) + length(aws_iam_policy.kafka_consumer) + length(aws_cloudwatch_log_group.kafka) +
    length(aws_iam_role_policy_attachment.api_kafka) + length(aws_iam_role_policy_attachment.consumer_kafka)) == 0
    error_message = "enable_kafka = false creates no MSK cluster, security group or Kafka policy."
  }
}

run "kafka_off_outputs" {
  command = apply

  assert {
    condition     = output.kafka_bootstrap_brokers_iam == null
    error_message = "No bootstrap brokers without Kafka."
  }
  assert {
    condition     = !can(yamldecode(split("---\n", output.helloapi_yaml)[1]).spec.kafka)
    error_message = "The HelloApi has no kafka section without Kafka."
  }
}

run "serverless_with_iam" {
  command = apply

  variables {
    enable_kafka = true
  }

  assert {
    condition     = length(aws_msk_serverless_cluster.this) == 1 && length(aws_msk_cluster.this) == 0
    error_message = "Kafka defaults to MSK Serverless."
  }
  assert {
    condition     = aws_msk_serverless_cluster.this[0].client_authentication[0].sasl[0].iam[0].enabled
    error_message = "MSK Serverless uses IAM auth."
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.kafka_from_cluster[0].from_port == 9098 && aws_vpc_security_group_ingress_rule.kafka_from_cluster[0].referenced_security_group_id != null && aws_vpc_security_group_ingress_rule.kafka_from_cluster[0].cidr_ipv4 == null
    error_message = "MSK is reachable on 9098 from the cluster security group only."
  }
  assert {
    condition     = output.kafka_bootstrap_brokers_iam == "boot-abc.c1.kafka-serverless.eu-west-1.amazonaws.com:9098"
    error_message = "The IAM bootstrap brokers are an output."
  }
  assert {
    condition = toset(flatten([for s in data.aws_iam_policy_document.kafka_api[0].statement : tolist(s.actions)])) == toset([
    "kafka-cluster:Connect", "kafka-cluster:DescribeTopic", "kafka-cluster:CreateTopic", "kafka-cluster:WriteData"])
    error_message = "The API may connect, describe, create and write the topic, nothing else."
  }
  assert {
    condition = toset(flatten([for s in data.aws_iam_policy_document.kafka_consumer[0].statement : tolist(s.actions)])) == toset([
    "kafka-cluster:Connect", "kafka-cluster:DescribeTopic", "kafka-cluster:ReadData", "kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"])
    error_message = "The consumer may connect, describe and read the topic, and use its group, nothing else."
  }
  assert {
    condition     = contains(flatten([for s in data.aws_iam_policy_document.kafka_consumer[0].statement : tolist(s.resources)]), "arn:aws:kafka:eu-west-1:123456789012:group/hello/11111111-2222-3333-4444-555555555555-s1/hello-consumer")
    error_message = "The consumer policy names its group's ARN."
  }
  assert {
    condition     = contains(flatten([for s in data.aws_iam_policy_document.kafka_api[0].statement : tolist(s.resources)]), "arn:aws:kafka:eu-west-1:123456789012:topic/hello/11111111-2222-3333-4444-555555555555-s1/events")
    error_message = "The API policy names the topic's ARN."
  }
  assert {
    condition = (aws_iam_role_policy_attachment.api_kafka[0].role == aws_iam_role.api.name
      && aws_iam_role_policy_attachment.api_kafka[0].policy_arn == aws_iam_policy.kafka_api[0].arn
      && aws_iam_role_policy_attachment.consumer_kafka[0].role == aws_iam_role.consumer.name
    && aws_iam_role_policy_attachment.consumer_kafka[0].policy_arn == aws_iam_policy.kafka_consumer[0].arn)
    error_message = "The API role carries only the API's Kafka policy, the consumer role only the consumer's."
  }
  assert {
    condition     = yamldecode(split("---\n", output.helloapi_yaml)[1]).spec.kafka.consumer.serviceAccount.annotations["eks.amazonaws.com/role-arn"] == output.role_arns.consumer
    error_message = "The printed HelloApi gives the consumer its own IRSA role."
  }
  assert {
    condition = (yamldecode(split("---\n", output.helloapi_yaml)[1]).spec.kafka.bootstrapServers == output.kafka_bootstrap_brokers_iam
    && yamldecode(split("---\n", output.helloapi_yaml)[1]).spec.kafka.auth.mechanism == "iam")
    error_message = "The printed HelloApi reads MSK with IAM."
  }
}

run "provisioned_with_iam" {
  command = apply

  variables {
    enable_kafka = true
    kafka_mode   = "provisioned"
  }

  assert {
    condition     = length(aws_msk_cluster.this) == 1 && length(aws_msk_serverless_cluster.this) == 0
    error_message = "kafka_mode = provisioned creates brokers, not Serverless."
  }
  assert {
    condition = (aws_msk_cluster.this[0].client_authentication[0].sasl[0].iam && !aws_msk_cluster.this[0].client_authentication[0].unauthenticated
    && aws_msk_cluster.this[0].encryption_info[0].encryption_in_transit[0].client_broker == "TLS")
    error_message = "Provisioned MSK uses IAM over TLS only."
  }
  assert {
    condition     = aws_msk_cluster.this[0].number_of_broker_nodes == 3
    error_message = "One broker per AZ."
  }
  assert {
    condition     = startswith(output.kafka_bootstrap_brokers_iam, "b-1.")
    error_message = "The provisioned IAM bootstrap brokers are the output."
  }
}

run "rejects_an_unknown_kafka_mode" {
  command = plan

  variables {
    enable_kafka = true
    kafka_mode   = "kraft"
  }

  expect_failures = [var.kafka_mode]
}
