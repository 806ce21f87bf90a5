terraform {
  # 1.7 brings mock_provider for `terraform test`; the configuration itself
  # uses nothing newer. CI builds and runs 1.8.5 (testbed/versions.env).
  required_version = ">= 1.7.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 6.0.0, < 7.0.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = merge({ "app.kubernetes.io/part-of" = "hello", "hello.dev/cluster" = var.name }, var.tags)
  }
}
