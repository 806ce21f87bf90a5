"""What a moto server holds, for the resource kinds terraform-eks creates.

    python -m hello_moto.inventory ENDPOINT REGION > inventory.txt

Prints "kind id" lines, sorted, read from moto (not from
Terraform's state): a list taken before `terraform apply` and one after
`terraform destroy` must be equal. Kinds moto fills in by itself (the default
VPC, its subnets and security group, the main route tables, AWS managed IAM
policies, the AWS-managed KMS keys) are in both lists and cancel out.
"""

import sys
from collections.abc import Callable, Iterable
from typing import Any

import boto3


def _client(service: str, endpoint: str, region: str) -> Any:
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> Iterable[Any]:
    if client.can_paginate(operation):
        for page in client.get_paginator(operation).paginate(**kwargs):
            yield from page.get(key, [])
    else:
        yield from getattr(client, operation)(**kwargs).get(key, [])


def inventory(endpoint: str, region: str) -> list[str]:
    c: Callable[[str], Any] = lambda service: _client(service, endpoint, region)  # noqa: E731
    items: list[str] = []

    def add(kind: str, ids: Iterable[str]) -> None:
        items.extend(f"{kind} {i}" for i in ids)

    ec2 = c("ec2")
    add("ec2:vpc", (v["VpcId"] for v in _pages(ec2, "describe_vpcs", "Vpcs")))
    add("ec2:subnet", (s["SubnetId"] for s in _pages(ec2, "describe_subnets", "Subnets")))
    add(
        "ec2:security-group",
        (g["GroupId"] for g in _pages(ec2, "describe_security_groups", "SecurityGroups")),
    )
    add(
        "ec2:security-group-rule",
        (
            r["SecurityGroupRuleId"]
            for r in _pages(ec2, "describe_security_group_rules", "SecurityGroupRules")
            if r.get("ReferencedGroupInfo") or r.get("Description")
        ),
    )
    add(
        "ec2:internet-gateway",
        (g["InternetGatewayId"] for g in _pages(ec2, "describe_internet_gateways", "InternetGateways")),
    )
    add(
        "ec2:nat-gateway",
        (
            g["NatGatewayId"]
            for g in _pages(ec2, "describe_nat_gateways", "NatGateways")
            if g.get("State") not in ("deleted", "deleting")
        ),
    )
    add("ec2:address", (a["AllocationId"] for a in ec2.describe_addresses()["Addresses"]))
    add(
        "ec2:route-table",
        (t["RouteTableId"] for t in _pages(ec2, "describe_route_tables", "RouteTables")),
    )
    add(
        "ec2:vpc-endpoint",
        (
            e["VpcEndpointId"]
            for e in _pages(ec2, "describe_vpc_endpoints", "VpcEndpoints")
            if e.get("State", "").lower() not in ("deleted", "deleting")
        ),
    )
    add(
        "ec2:launch-template",
        (t["LaunchTemplateId"] for t in _pages(ec2, "describe_launch_templates", "LaunchTemplates")),
    )
    add("ec2:flow-log", (f["FlowLogId"] for f in _pages(ec2, "describe_flow_logs", "FlowLogs")))

    eks = c("eks")
    for cluster in _pages(eks, "list_clusters", "clusters"):
        add("eks:cluster", [cluster])
        add(f"eks:nodegroup {cluster}", _pages(eks, "list_nodegroups", "nodegroups", clusterName=cluster))
        add(
            f"eks:fargate-profile {cluster}",
            _pages(eks, "list_fargate_profiles", "fargateProfileNames", clusterName=cluster),
        )
        add(f"eks:addon {cluster}", _pages(eks, "list_addons", "addons", clusterName=cluster))
        add(
            f"eks:access-entry {cluster}",
            _pages(eks, "list_access_entries", "accessEntries", clusterName=cluster),
        )

    kafka = c("kafka")
    add("kafka:cluster", (k["ClusterArn"] for k in kafka.list_clusters_v2()["ClusterInfoList"]))
    add("kafka:configuration", (k["Arn"] for k in kafka.list_configurations()["Configurations"]))

    iam = c("iam")
    add("iam:role", (r["Arn"] for r in _pages(iam, "list_roles", "Roles")))
    add(
        "iam:policy",
        (p["Arn"] for p in _pages(iam, "list_policies", "Policies", Scope="Local")),
    )
    add(
        "iam:oidc-provider",
        (p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]),
    )

    kms = c("kms")
    for key in _pages(kms, "list_keys", "Keys"):
        meta = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        # A destroyed key is pending deletion (7-30 days on AWS too).
        if meta["KeyManager"] == "CUSTOMER" and meta["KeyState"] != "PendingDeletion":
            add("kms:key", [key["KeyArn"]])
    add(
        "kms:alias",
        (
            a["AliasName"]
            for a in _pages(kms, "list_aliases", "Aliases")
            if not a["AliasName"].startswith("alias/aws/")
        ),
    )

    logs = c("logs")
    add("logs:log-group", (g["logGroupName"] for g in _pages(logs, "describe_log_groups", "logGroups")))

    ecr = c("ecr")
    add("ecr:repository", (r["repositoryArn"] for r in _pages(ecr, "describe_repositories", "repositories")))

    return sorted(items)


def main() -> None:
    endpoint, region = sys.argv[1], sys.argv[2]
    for item in inventory(endpoint, region):
        print(item)


if __name__ == "__main__":
    main()
