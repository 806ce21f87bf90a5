# Stable fake values for the plan/apply of `terraform test`; everything not
# listed here gets a generated value from the mock provider.

mock_data "aws_caller_identity" {
  defaults = {
    account_id = "123456789012"
    arn        = "arn:aws:sts::123456789012:assumed-role/admin/session"
  }
}

mock_data "aws_partition" {
  defaults = {
    partition  = "aws"
    dns_suffix = "amazonaws.com"
  }
}

mock_data "aws_iam_session_context" {
  defaults = {
    issuer_arn = "arn:aws:iam::123456789012:role/admin"
  }
}

mock_data "aws_availability_zones" {
  defaults = {
    names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  }
}

mock_data "aws_eks_addon_version" {
  defaults = {
    version = "v1.0.0-eksbuild.1"
  }
}

mock_data "aws_iam_policy_document" {
  defaults = {
    json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
  }
}

mock_resource "aws_eks_cluster" {
  defaults = {
    arn      = "arn:aws:eks:eu-west-1:123456789012:cluster/hello"
    endpoint = "https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com"
    identity = [{ oidc = [{ issuer = "https://oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF" }] }]
  }
}

mock_resource "aws_iam_openid_connect_provider" {
  defaults = {
    arn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF"
  }
}

mock_resource "aws_iam_role" {
  defaults = {
    arn = "arn:aws:iam::123456789012:role/hello-mock"
  }
}

mock_resource "aws_ecr_repository" {
  defaults = {
    repository_url = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello/image"
  }
}

mock_resource "aws_msk_serverless_cluster" {
  defaults = {
    arn                        = "arn:aws:kafka:eu-west-1:123456789012:cluster/hello/11111111-2222-3333-4444-555555555555-s1"
    bootstrap_brokers_sasl_iam = "boot-abc.c1.kafka-serverless.eu-west-1.amazonaws.com:9098"
  }
}

mock_resource "aws_msk_cluster" {
  defaults = {
    arn                        = "arn:aws:kafka:eu-west-1:123456789012:cluster/hello/11111111-2222-3333-4444-555555555555-2"
    bootstrap_brokers_sasl_iam = "b-1.hello.abc.c2.kafka.eu-west-1.amazonaws.com:9098,b-2.hello.abc.c2.kafka.eu-west-1.amazonaws.com:9098"
  }
}

mock_resource "aws_vpc" {
  defaults = {
    id = "vpc-0123456789abcdef0"
  }
}

# Values the provider validates when a mocked resource feeds another.
mock_resource "aws_launch_template" {
  defaults = {
    id = "lt-0123456789abcdef0"
  }
}

mock_resource "aws_iam_policy" {
  defaults = {
    arn = "arn:aws:iam::123456789012:policy/hello-mock"
  }
}

mock_resource "aws_cloudwatch_log_group" {
  defaults = {
    arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/hello/mock"
  }
}

mock_resource "aws_kms_key" {
  defaults = {
    arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  }
}

mock_resource "aws_msk_configuration" {
  defaults = {
    arn = "arn:aws:kafka:eu-west-1:123456789012:configuration/hello/11111111-2222-3333-4444-555555555555-3"
  }
}
