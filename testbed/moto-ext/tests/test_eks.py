import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

REGION = "eu-west-1"
ADMIN = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
ROLE = "arn:aws:iam::123456789012:role/path/admin"


def make_cluster(name: str = "hello", mode: str | None = "API") -> tuple[dict, str]:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    kwargs = {"accessConfig": {"authenticationMode": mode}} if mode else {}
    cluster = boto3.client("eks", region_name=REGION).create_cluster(
        name=name,
        roleArn="arn:aws:iam::123456789012:role/eks",
        resourcesVpcConfig={"subnetIds": [subnet_id], "endpointPrivateAccess": True},
        **kwargs,
    )["cluster"]
    return cluster, vpc_id


@mock_aws
def test_describe_cluster_has_the_vpc_the_security_group_and_the_access_config() -> None:
    _, vpc_id = make_cluster()
    eks = boto3.client("eks", region_name=REGION)
    cluster = eks.describe_cluster(name="hello")["cluster"]
    vpc_config = cluster["resourcesVpcConfig"]
    assert vpc_config["vpcId"] == vpc_id
    assert cluster["accessConfig"] == {
        "authenticationMode": "API",
        "bootstrapClusterCreatorAdminPermissions": True,
    }
    group_id = vpc_config["clusterSecurityGroupId"]
    ec2 = boto3.client("ec2", region_name=REGION)
    group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    assert group["VpcId"] == vpc_id

    eks.delete_cluster(name="hello")
    with pytest.raises(ClientError) as e:
        ec2.describe_security_groups(GroupIds=[group_id])
    assert e.value.response["Error"]["Code"] == "InvalidGroup.NotFound"


@mock_aws
def test_the_default_authentication_mode_is_config_map() -> None:
    make_cluster(mode=None)
    eks = boto3.client("eks", region_name=REGION)
    cluster = eks.describe_cluster(name="hello")["cluster"]
    assert cluster["accessConfig"]["authenticationMode"] == "CONFIG_MAP"
    with pytest.raises(ClientError) as e:
        eks.create_access_entry(clusterName="hello", principalArn=ROLE)
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"


@mock_aws
def test_update_cluster_config_keeps_what_it_does_not_name() -> None:
    make_cluster()
    eks = boto3.client("eks", region_name=REGION)
    before = eks.describe_cluster(name="hello")["cluster"]["resourcesVpcConfig"]
    update = eks.update_cluster_config(
        name="hello", resourcesVpcConfig={"endpointPublicAccess": False}
    )["update"]
    assert update["status"] == "Successful"
    found = eks.describe_update(name="hello", updateId=update["id"])["update"]
    assert found["id"] == update["id"]
    after = eks.describe_cluster(name="hello")["cluster"]["resourcesVpcConfig"]
    assert after["endpointPublicAccess"] is False
    assert after["subnetIds"] == before["subnetIds"]
    assert after["clusterSecurityGroupId"] == before["clusterSecurityGroupId"]


@mock_aws
def test_access_entries_and_policies() -> None:
    make_cluster()
    eks = boto3.client("eks", region_name=REGION)
    entry = eks.create_access_entry(clusterName="hello", principalArn=ROLE, type="STANDARD")[
        "accessEntry"
    ]
    assert entry["principalArn"] == ROLE
    assert entry["type"] == "STANDARD"
    assert entry["username"] == "arn:aws:sts::123456789012:assumed-role/admin/{{SessionName}}"
    assert entry["accessEntryArn"].startswith(
        "arn:aws:eks:eu-west-1:123456789012:access-entry/hello/role/123456789012/admin/"
    )
    with pytest.raises(ClientError) as e:
        eks.create_access_entry(clusterName="hello", principalArn=ROLE)
    assert e.value.response["Error"]["Code"] == "ResourceInUseException"

    assert eks.describe_access_entry(clusterName="hello", principalArn=ROLE)["accessEntry"] == entry
    assert eks.list_access_entries(clusterName="hello")["accessEntries"] == [ROLE]
    updated = eks.update_access_entry(
        clusterName="hello", principalArn=ROLE, kubernetesGroups=["viewers"]
    )["accessEntry"]
    assert updated["kubernetesGroups"] == ["viewers"]

    associated = eks.associate_access_policy(
        clusterName="hello", principalArn=ROLE, policyArn=ADMIN, accessScope={"type": "cluster"}
    )
    assert associated["associatedAccessPolicy"]["policyArn"] == ADMIN
    assert associated["associatedAccessPolicy"]["accessScope"] == {"type": "cluster", "namespaces": []}
    policies = eks.list_associated_access_policies(clusterName="hello", principalArn=ROLE)
    assert [p["policyArn"] for p in policies["associatedAccessPolicies"]] == [ADMIN]
    with pytest.raises(ClientError) as e:
        eks.associate_access_policy(
            clusterName="hello",
            principalArn=ROLE,
            policyArn="arn:aws:eks::aws:cluster-access-policy/NoSuchPolicy",
            accessScope={"type": "cluster"},
        )
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"

    eks.disassociate_access_policy(clusterName="hello", principalArn=ROLE, policyArn=ADMIN)
    policies = eks.list_associated_access_policies(clusterName="hello", principalArn=ROLE)
    assert policies["associatedAccessPolicies"] == []
    eks.delete_access_entry(clusterName="hello", principalArn=ROLE)
    with pytest.raises(ClientError) as e:
        eks.describe_access_entry(clusterName="hello", principalArn=ROLE)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


@mock_aws
def test_addon_versions_have_one_default_per_kubernetes_version() -> None:
    eks = boto3.client("eks", region_name=REGION)
    for name in ["vpc-cni", "kube-proxy", "coredns", "eks-pod-identity-agent"]:
        addons = eks.describe_addon_versions(addonName=name, kubernetesVersion="1.34")["addons"]
        assert [a["addonName"] for a in addons] == [name]
        defaults = [
            v["addonVersion"]
            for v in addons[0]["addonVersions"]
            if any(c["defaultVersion"] and c["clusterVersion"] == "1.34" for c in v["compatibilities"])
        ]
        assert len(defaults) == 1, defaults
    kube_proxy = eks.describe_addon_versions(addonName="kube-proxy", kubernetesVersion="1.34")
    assert all(v["addonVersion"].startswith("v1.34.") for v in kube_proxy["addons"][0]["addonVersions"])
    assert eks.describe_addon_versions(addonName="no-such-addon")["addons"] == []


@mock_aws
def test_addons() -> None:
    make_cluster()
    eks = boto3.client("eks", region_name=REGION)
    eks_version = eks.describe_cluster(name="hello")["cluster"]["version"]
    assert eks_version == "1.19"  # moto's default: no addon supports it
    with pytest.raises(ClientError) as e:
        eks.create_addon(clusterName="hello", addonName="coredns")
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"

    boto3.client("eks", region_name=REGION).delete_cluster(name="hello")
    ec2 = boto3.client("ec2", region_name=REGION)
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    eks.create_cluster(
        name="hello",
        version="1.34",
        roleArn="arn:aws:iam::123456789012:role/eks",
        resourcesVpcConfig={"subnetIds": [subnet]},
    )
    addon = eks.create_addon(
        clusterName="hello",
        addonName="coredns",
        configurationValues='{"computeType":"Fargate"}',
        resolveConflicts="OVERWRITE",
    )["addon"]
    assert addon["status"] == "ACTIVE"
    assert addon["addonVersion"] == "v1.12.3-eksbuild.1"  # the default
    assert addon["configurationValues"] == '{"computeType":"Fargate"}'
    with pytest.raises(ClientError) as e:
        eks.create_addon(clusterName="hello", addonName="vpc-cni", addonVersion="v0.0.1")
    assert e.value.response["Error"]["Code"] == "InvalidParameterException"
    eks.create_addon(
        clusterName="hello",
        addonName="vpc-cni",
        addonVersion="v1.20.4-eksbuild.2",
        serviceAccountRoleArn="arn:aws:iam::123456789012:role/cni",
    )
    assert eks.list_addons(clusterName="hello")["addons"] == ["coredns", "vpc-cni"]
    described = eks.describe_addon(clusterName="hello", addonName="vpc-cni")["addon"]
    assert described["serviceAccountRoleArn"] == "arn:aws:iam::123456789012:role/cni"

    update = eks.update_addon(
        clusterName="hello", addonName="vpc-cni", addonVersion="v1.19.6-eksbuild.1"
    )["update"]
    assert eks.describe_update(name="hello", updateId=update["id"], addonName="vpc-cni")[
        "update"
    ]["status"] == "Successful"
    assert eks.describe_addon(clusterName="hello", addonName="vpc-cni")["addon"][
        "addonVersion"
    ] == "v1.19.6-eksbuild.1"

    eks.delete_addon(clusterName="hello", addonName="vpc-cni")
    with pytest.raises(ClientError) as e:
        eks.describe_addon(clusterName="hello", addonName="vpc-cni")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert eks.list_addons(clusterName="hello")["addons"] == ["coredns"]


@mock_aws
def test_subnets_that_do_not_exist_are_refused() -> None:
    cluster, _ = make_cluster()
    eks = boto3.client("eks", region_name=REGION)
    subnet = cluster["resourcesVpcConfig"]["subnetIds"][0]
    arn = f"arn:aws:ec2:eu-west-1:123456789012:subnet/{subnet}"
    for call in (
        lambda: eks.create_nodegroup(
            clusterName="hello",
            nodegroupName="ng",
            nodeRole="arn:aws:iam::123456789012:role/node",
            subnets=[arn],
        ),
        lambda: eks.create_fargate_profile(
            clusterName="hello",
            fargateProfileName="fp",
            podExecutionRoleArn="arn:aws:iam::123456789012:role/fargate",
            subnets=[arn],
            selectors=[{"namespace": "hello"}],
        ),
        lambda: eks.create_cluster(
            name="other",
            roleArn="arn:aws:iam::123456789012:role/eks",
            resourcesVpcConfig={"subnetIds": ["subnet-nope"]},
        ),
    ):
        with pytest.raises(ClientError) as e:
            call()
        assert e.value.response["Error"]["Code"] == "InvalidParameterException"
        assert "does not exist" in e.value.response["Error"]["Message"]
    eks.create_nodegroup(
        clusterName="hello",
        nodegroupName="ng",
        nodeRole="arn:aws:iam::123456789012:role/node",
        subnets=[subnet],
    )
