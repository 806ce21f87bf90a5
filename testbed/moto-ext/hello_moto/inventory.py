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

    def live(state: str) -> bool:
        return state.lower() not in ("deleted", "deleting")

    # kind, operation, list key, id field, and which items count (None: all).
    # Rules count only where a module writes them (a reference or a
    # description); the VPC's default rules do not.
    ec2_kinds: list[tuple[str, str, str, str, Callable[[dict], Any] | None]] = [
        ("vpc", "describe_vpcs", "Vpcs", "VpcId", None),
        ("subnet", "describe_subnets", "Subnets", "SubnetId", None),
        ("security-group", "describe_security_groups", "SecurityGroups", "GroupId", None),
        (
            "security-group-rule",
            "describe_security_group_rules",
            "SecurityGroupRules",
            "SecurityGroupRuleId",
            lambda r: r.get("ReferencedGroupInfo") or r.get("Description"),
        ),
        ("internet-gateway", "describe_internet_gateways", "InternetGateways", "InternetGatewayId", None),
        ("nat-gateway", "describe_nat_gateways", "NatGateways", "NatGatewayId", lambda g: live(g.get("State", ""))),
        ("address", "describe_addresses", "Addresses", "AllocationId", None),
        ("route-table", "describe_route_tables", "RouteTables", "RouteTableId", None),
        ("vpc-endpoint", "describe_vpc_endpoints", "VpcEndpoints", "VpcEndpointId", lambda e: live(e.get("State", ""))),
        ("launch-template", "describe_launch_templates", "LaunchTemplates", "LaunchTemplateId", None),
        ("flow-log", "describe_flow_logs", "FlowLogs", "FlowLogId", None),
    ]
    for kind, operation, key, id_field, counts in ec2_kinds:
        add(f"ec2:{kind}", (x[id_field] for x in _pages(ec2, operation, key) if counts is None or counts(x)))

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
