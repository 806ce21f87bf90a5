# MSK, only with enable_kafka (billed by the hour). Serverless with IAM auth by
# default; provisioned brokers optional. Reachable only from the cluster's
# nodes and pods (the EKS cluster security group), on the IAM port.

resource "aws_security_group" "kafka" {
  count = var.enable_kafka ? 1 : 0

  name        = "${var.name}-msk"
  description = "MSK brokers, reachable from the EKS cluster only"
  vpc_id      = aws_vpc.this.id
  tags        = { Name = "${var.name}-msk" }
}

resource "aws_vpc_security_group_ingress_rule" "kafka_from_cluster" {
  count = var.enable_kafka ? 1 : 0

  security_group_id            = aws_security_group.kafka[0].id
  description                  = "Kafka SASL/IAM over TLS from nodes and pods (the EKS cluster security group)"
  referenced_security_group_id = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
  ip_protocol                  = "tcp"
  from_port                    = 9098
  to_port                      = 9098
}

resource "aws_msk_serverless_cluster" "this" {
  count = local.kafka_serverless ? 1 : 0

  cluster_name = var.name

  vpc_config {
    subnet_ids         = aws_subnet.private[*].id
    security_group_ids = [aws_security_group.kafka[0].id]
  }

  client_authentication {
    sasl {
      iam {
        enabled = true
      }
    }
  }
}

resource "aws_cloudwatch_log_group" "kafka" {
  #checkov:skip=CKV_AWS_338:retention is var.log_retention_days (30 by default, for cost); set 365 or more where audit rules require it
  count = local.kafka_provisioned ? 1 : 0

  name              = "/aws/msk/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.this.arn
}

resource "aws_msk_configuration" "this" {
  count = local.kafka_provisioned ? 1 : 0

  name           = var.name
  kafka_versions = [var.kafka_version]
  # As on MSK Serverless: topics exist only when a client with CreateTopic makes them.
  server_properties = <<-PROPERTIES
    auto.create.topics.enable=false
    default.replication.factor=${min(3, var.az_count)}
    min.insync.replicas=${min(2, var.az_count)}
  PROPERTIES
}

resource "aws_msk_cluster" "this" {
  count = local.kafka_provisioned ? 1 : 0

  cluster_name           = var.name
  kafka_version          = var.kafka_version
  number_of_broker_nodes = var.az_count

  broker_node_group_info {
    instance_type   = var.kafka_broker_instance_type
    client_subnets  = aws_subnet.private[*].id
    security_groups = [aws_security_group.kafka[0].id]
    storage_info {
      ebs_storage_info {
        volume_size = var.kafka_broker_volume_size
      }
    }
  }

  configuration_info {
    arn      = aws_msk_configuration.this[0].arn
    revision = aws_msk_configuration.this[0].latest_revision
  }

  client_authentication {
    unauthenticated = false
    sasl {
      iam = true
    }
  }

  encryption_info {
    encryption_at_rest_kms_key_arn = aws_kms_key.this.arn
    encryption_in_transit {
      client_broker = "TLS"
      in_cluster    = true
    }
  }

  logging_info {
    broker_logs {
      cloudwatch_logs {
        enabled   = true
        log_group = aws_cloudwatch_log_group.kafka[0].name
      }
    }
  }
}

locals {
  kafka_bootstrap_brokers = local.kafka_serverless ? aws_msk_serverless_cluster.this[0].bootstrap_brokers_sasl_iam : (
    local.kafka_provisioned ? aws_msk_cluster.this[0].bootstrap_brokers_sasl_iam : null
  )
}
