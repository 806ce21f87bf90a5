# Egress modes: NAT gateway (default) or VPC endpoints only.

mock_provider "aws" {
  source = "./tests"
}

run "nat_is_the_default" {
  command = plan

  assert {
    condition     = length(aws_nat_gateway.this) == 1 && length(aws_route.private_nat) == 3
    error_message = "The default egress is one NAT gateway, routed from all three private subnets."
  }
  assert {
    condition     = length(aws_vpc_endpoint.interface) == 0 && length(aws_vpc_endpoint.s3) == 0
    error_message = "NAT egress creates no VPC endpoints."
  }
  assert {
    condition     = length(aws_subnet.private) == 3 && length(aws_subnet.public) == 3
    error_message = "One private and one public subnet per AZ."
  }
  assert {
    condition = alltrue([for s in aws_subnet.public : s.tags["kubernetes.io/role/elb"] == "1" && !s.map_public_ip_on_launch]) && alltrue([
    for s in aws_subnet.private : s.tags["kubernetes.io/role/internal-elb"] == "1"])
    error_message = "Subnets carry the ELB role tags the AWS Load Balancer Controller discovers."
  }
}

run "one_nat_per_az" {
  command = plan

  variables {
    single_nat_gateway = false
    az_count           = 2
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 2 && length(aws_eip.nat) == 2
    error_message = "single_nat_gateway = false puts a NAT gateway in each AZ."
  }
}

run "endpoints_only_has_no_nat_and_no_internet_route" {
  command = plan

  variables {
    egress_mode = "endpoints"
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 0 && length(aws_eip.nat) == 0 && length(aws_route.private_nat) == 0
    error_message = "Endpoint-only egress creates no NAT gateway, EIP or private default route."
  }
  assert {
    condition = alltrue([for e in ["ecr.api", "ecr.dkr", "sts", "logs", "eks", "eks-auth", "ssm", "ssmmessages", "ec2messages", "ec2", "elasticloadbalancing"] :
    contains(keys(aws_vpc_endpoint.interface), e)])
    error_message = "Endpoint-only egress needs ECR api/dkr, STS, logs, EKS, EKS Auth, SSM, EC2 and ELB interface endpoints."
  }
  assert {
    condition     = length(aws_vpc_endpoint.s3) == 1 && aws_vpc_endpoint.s3[0].vpc_endpoint_type == "Gateway"
    error_message = "ECR image layers come from S3 through a gateway endpoint."
  }
  assert {
    condition     = alltrue([for e in aws_vpc_endpoint.interface : e.private_dns_enabled])
    error_message = "Interface endpoints need private DNS so SDKs reach them under the public names."
  }
  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.endpoints_from_cluster) == 1 && aws_vpc_security_group_ingress_rule.endpoints_from_cluster[0].cidr_ipv4 == null
    error_message = "The endpoint security group admits the cluster security group, not a CIDR."
  }
}

run "rejects_an_unknown_egress_mode" {
  command = plan

  variables {
    egress_mode = "internet"
  }

  expect_failures = [var.egress_mode]
}

run "rejects_a_world_open_api_endpoint" {
  command = plan

  variables {
    public_access_cidrs = ["0.0.0.0/0"]
  }

  expect_failures = [var.public_access_cidrs]
}
