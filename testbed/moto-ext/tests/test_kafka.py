import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

REGION = "eu-west-1"
PROPERTIES = b"auto.create.topics.enable=false\nmin.insync.replicas=2\n"


@mock_aws
def test_serverless_cluster_is_active_has_iam_brokers_and_is_gone_after_delete() -> None:
    kafka = boto3.client("kafka", region_name=REGION)
    arn = kafka.create_cluster_v2(
        ClusterName="hello",
        Serverless={
            "VpcConfigs": [{"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"]}],
            "ClientAuthentication": {"Sasl": {"Iam": {"Enabled": True}}},
        },
    )["ClusterArn"]
    assert kafka.describe_cluster_v2(ClusterArn=arn)["ClusterInfo"]["State"] == "ACTIVE"
    brokers = kafka.get_bootstrap_brokers(ClusterArn=arn)
    iam = brokers["BootstrapBrokerStringSaslIam"]
    assert iam.startswith("boot-") and iam.endswith(".kafka-serverless.eu-west-1.amazonaws.com:9098")
    assert "BootstrapBrokerStringTls" not in brokers
    assert kafka.get_bootstrap_brokers(ClusterArn=arn)["BootstrapBrokerStringSaslIam"] == iam

    assert kafka.delete_cluster(ClusterArn=arn)["State"] == "DELETING"
    for call in (kafka.describe_cluster_v2, kafka.describe_cluster, kafka.get_bootstrap_brokers):
        with pytest.raises(ClientError) as e:
            call(ClusterArn=arn)
        assert e.value.response["Error"]["Code"] == "NotFoundException"
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


@mock_aws
def test_provisioned_cluster_has_a_broker_per_node_on_each_allowed_port() -> None:
    kafka = boto3.client("kafka", region_name=REGION)
    arn = kafka.create_cluster(
        ClusterName="hello",
        KafkaVersion="3.9.x",
        NumberOfBrokerNodes=3,
        BrokerNodeGroupInfo={"InstanceType": "kafka.m7g.large", "ClientSubnets": ["a", "b", "c"]},
        ClientAuthentication={"Sasl": {"Iam": {"Enabled": True}}, "Unauthenticated": {"Enabled": False}},
        EncryptionInfo={"EncryptionInTransit": {"ClientBroker": "TLS", "InCluster": True}},
    )["ClusterArn"]
    assert kafka.describe_cluster(ClusterArn=arn)["ClusterInfo"]["State"] == "ACTIVE"
    brokers = kafka.get_bootstrap_brokers(ClusterArn=arn)
    iam = brokers["BootstrapBrokerStringSaslIam"].split(",")
    assert len(iam) == 3 and all(b.endswith(":9098") for b in iam)
    assert [b.split(".")[0] for b in iam] == ["b-1", "b-2", "b-3"]
    assert set(brokers) - {"ResponseMetadata"} == {"BootstrapBrokerStringSaslIam"}
    # Stable: the same brokers on every call.
    again = kafka.get_bootstrap_brokers(ClusterArn=arn)
    assert again["BootstrapBrokerStringSaslIam"] == brokers["BootstrapBrokerStringSaslIam"]


@mock_aws
def test_configurations_and_their_revisions() -> None:
    kafka = boto3.client("kafka", region_name=REGION)
    created = kafka.create_configuration(
        Name="hello", KafkaVersions=["3.9.x"], ServerProperties=PROPERTIES
    )
    arn = created["Arn"]
    assert created["LatestRevision"]["Revision"] == 1
    assert created["State"] == "ACTIVE"
    with pytest.raises(ClientError) as e:
        kafka.create_configuration(Name="hello", ServerProperties=PROPERTIES)
    assert e.value.response["Error"]["Code"] == "ConflictException"

    described = kafka.describe_configuration(Arn=arn)
    assert described["Name"] == "hello"
    assert described["KafkaVersions"] == ["3.9.x"]
    revision = kafka.describe_configuration_revision(Arn=arn, Revision=1)
    assert revision["ServerProperties"] == PROPERTIES

    updated = kafka.update_configuration(Arn=arn, ServerProperties=b"min.insync.replicas=1\n")
    assert updated["LatestRevision"]["Revision"] == 2
    assert kafka.describe_configuration(Arn=arn)["LatestRevision"]["Revision"] == 2
    revisions = kafka.list_configuration_revisions(Arn=arn)["Revisions"]
    assert [r["Revision"] for r in revisions] == [1, 2]
    assert [c["Arn"] for c in kafka.list_configurations()["Configurations"]] == [arn]

    cluster = kafka.create_cluster(
        ClusterName="hello",
        KafkaVersion="3.9.x",
        NumberOfBrokerNodes=2,
        BrokerNodeGroupInfo={"InstanceType": "kafka.m7g.large", "ClientSubnets": ["a", "b"]},
        ConfigurationInfo={"Arn": arn, "Revision": 2},
    )["ClusterArn"]
    with pytest.raises(ClientError) as e:
        kafka.delete_configuration(Arn=arn)
    assert e.value.response["Error"]["Code"] == "BadRequestException"
    kafka.delete_cluster(ClusterArn=cluster)
    assert kafka.delete_configuration(Arn=arn)["State"] == "DELETING"
    with pytest.raises(ClientError) as e:
        kafka.describe_configuration(Arn=arn)
    assert e.value.response["Error"]["Code"] == "BadRequestException"
    assert "Configuration ARN does not exist" in e.value.response["Error"]["Message"]
