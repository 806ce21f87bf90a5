"""`python -m hello_moto` is moto's server with the extension's routes."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import requests

REGION = "eu-west-1"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    server = subprocess.Popen(
        [sys.executable, "-m", "hello_moto", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{url}/moto-api/", timeout=1)
            break
        except requests.ConnectionError:
            assert server.poll() is None, "python -m hello_moto exited"
            assert time.monotonic() < deadline, "python -m hello_moto did not start"
            time.sleep(0.1)
    yield url
    server.terminate()
    server.wait(timeout=10)


def client(service: str, endpoint: str):  # type: ignore[no-untyped-def]
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def make_cluster(endpoint: str, name: str, net: str) -> tuple[str, str]:
    """An EKS cluster `name` (API authentication) in a new VPC `net`.0.0/16
    with one subnet; returns the VPC's and the subnet's ids."""
    ec2 = client("ec2", endpoint)
    vpc = ec2.create_vpc(CidrBlock=f"{net}.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"{net}.0.0/24")["Subnet"]["SubnetId"]
    client("eks", endpoint).create_cluster(
        name=name,
        version="1.34",
        roleArn="arn:aws:iam::123456789012:role/eks",
        resourcesVpcConfig={"subnetIds": [subnet]},
        accessConfig={"authenticationMode": "API"},
    )
    return vpc, subnet


def test_the_server_serves_access_entries_addons_and_msk_configurations(endpoint: str) -> None:
    vpc, _ = make_cluster(endpoint, "served", "10.1")
    eks = client("eks", endpoint)
    assert eks.describe_cluster(name="served")["cluster"]["resourcesVpcConfig"]["vpcId"] == vpc
    role = "arn:aws:iam::123456789012:role/admin"
    eks.create_access_entry(clusterName="served", principalArn=role)
    eks.associate_access_policy(
        clusterName="served",
        principalArn=role,
        policyArn="arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
        accessScope={"type": "cluster"},
    )
    policies = eks.list_associated_access_policies(clusterName="served", principalArn=role)
    assert len(policies["associatedAccessPolicies"]) == 1
    eks.create_addon(clusterName="served", addonName="kube-proxy")
    assert eks.describe_addon(clusterName="served", addonName="kube-proxy")["addon"][
        "addonVersion"
    ].startswith("v1.34.")

    kafka = client("kafka", endpoint)
    arn = kafka.create_configuration(Name="served", ServerProperties=b"a=b\n")["Arn"]
    assert kafka.describe_configuration_revision(Arn=arn, Revision=1)["ServerProperties"] == b"a=b\n"


def test_the_inventory_lists_what_was_made_and_not_what_was_deleted(endpoint: str) -> None:
    from hello_moto.inventory import inventory

    baseline = inventory(endpoint, REGION)
    vpc, subnet = make_cluster(endpoint, "counted", "10.2")
    ec2, eks = client("ec2", endpoint), client("eks", endpoint)
    eks.create_addon(clusterName="counted", addonName="coredns")
    made = set(inventory(endpoint, REGION)) - set(baseline)
    assert f"ec2:vpc {vpc}" in made
    assert "eks:cluster counted" in made
    assert "eks:addon counted coredns" in made
    # The cluster security group EKS made.
    assert any(i.startswith("ec2:security-group ") for i in made)

    eks.delete_addon(clusterName="counted", addonName="coredns")
    eks.delete_cluster(name="counted")
    ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc)
    assert inventory(endpoint, REGION) == baseline
