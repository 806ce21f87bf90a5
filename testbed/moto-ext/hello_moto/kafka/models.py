"""MSK calls moto 5.2.5 does not serve, on moto's own Kafka backend.

GetBootstrapBrokers, the MSK configurations (create, describe, revisions,
update, delete, list), a NotFoundException for a cluster that is gone (moto
answers a KeyError, a 500, which the AWS provider retries until its delete
times out) and the CREATING -> ACTIVE transition: a cluster is ACTIVE from the
first describe after its creation, as moto's EKS clusters are at once.
"""

import base64
from datetime import datetime
from typing import Any

from moto.core.common_models import BaseModel
from moto.kafka import models as kafka_models
from moto.kafka.exceptions import BadRequestException
from moto.moto_api._internal import mock_random as random

from .exceptions import ConflictException, NotFoundException

CONFIGURATION_ARN_TEMPLATE = (
    "arn:{partition}:kafka:{region}:{account_id}:configuration/{name}/{uuid}"
)
CLUSTER_NOT_FOUND_MSG = "The requested resource does not exist: cluster {arn}."
# MSK answers a BadRequestException, not a NotFoundException, for a
# configuration that does not exist (the AWS provider matches this text).
CONFIGURATION_NOT_FOUND_MSG = "Configuration ARN does not exist: {arn}"
CONFIGURATION_REVISION_NOT_FOUND_MSG = "Configuration {arn} has no revision {revision}."

# The ports MSK listens on, by client authentication.
PLAINTEXT_PORT = 9092
TLS_PORT = 9094
SASL_SCRAM_PORT = 9096
SASL_IAM_PORT = 9098


class ConfigurationRevision(BaseModel):
    def __init__(self, revision: int, server_properties: str, description: str | None):
        self.revision = revision
        # Base64 of the properties file, as the API carries the blob.
        self.server_properties = server_properties
        self.description = description
        self.creation_time = datetime.now().isoformat()

    def summary(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "creationTime": self.creation_time,
            "revision": self.revision,
        }
        if self.description is not None:
            result["description"] = self.description
        return result


class FakeConfiguration(BaseModel):
    def __init__(
        self,
        name: str,
        kafka_versions: list[str] | None,
        server_properties: str,
        description: str | None,
        account_id: str,
        region_name: str,
        partition: str,
    ):
        self.name = name
        self.kafka_versions = kafka_versions or []
        self.description = description or ""
        self.arn = CONFIGURATION_ARN_TEMPLATE.format(
            partition=partition,
            region=region_name,
            account_id=account_id,
            name=name,
            uuid=random.uuid4(),
        )
        self.creation_time = datetime.now().isoformat()
        self.state = "ACTIVE"
        self.revisions = [ConfigurationRevision(1, server_properties, description)]

    @property
    def latest_revision(self) -> ConfigurationRevision:
        return self.revisions[-1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "arn": self.arn,
            "creationTime": self.creation_time,
            "description": self.description,
            "kafkaVersions": self.kafka_versions,
            "latestRevision": self.latest_revision.summary(),
            "name": self.name,
            "state": self.state,
        }


class KafkaBackend(kafka_models.KafkaBackend):
    """moto's Kafka backend, plus bootstrap brokers and configurations."""

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        self.configurations: dict[str, FakeConfiguration] = {}

    # ------------------------------------------------------------ clusters

    def _cluster(self, cluster_arn: str) -> kafka_models.FakeKafkaCluster:
        try:
            cluster = self.clusters[cluster_arn]
        except KeyError:
            raise NotFoundException(CLUSTER_NOT_FOUND_MSG.format(arn=cluster_arn))
        if cluster.state == "CREATING":
            cluster.state = "ACTIVE"
        return cluster

    def describe_cluster(self, cluster_arn: str) -> dict[str, Any]:
        self._cluster(cluster_arn)
        return super().describe_cluster(cluster_arn)

    def describe_cluster_v2(self, cluster_arn: str) -> dict[str, Any]:
        self._cluster(cluster_arn)
        return super().describe_cluster_v2(cluster_arn)

    def delete_cluster(self, cluster_arn: str, current_version: str) -> tuple[str, str]:
        self._cluster(cluster_arn)
        arn, _ = super().delete_cluster(cluster_arn, current_version)
        return arn, "DELETING"

    def get_bootstrap_brokers(self, cluster_arn: str) -> dict[str, str]:
        """The broker strings of each authentication the cluster allows."""
        cluster = self._cluster(cluster_arn)
        region = self.region_name
        if not hasattr(cluster, "broker_hosts"):
            # Made once, so every call answers the same brokers.
            suffix = f"{random.get_random_string(6, lower_case=True)}.c{random.randint(1, 9)}"
            if cluster.cluster_type == "SERVERLESS":
                hosts = [f"boot-{suffix}.kafka-serverless.{region}.amazonaws.com"]
            else:
                hosts = [
                    f"b-{n}.{cluster.cluster_name}.{suffix}.kafka.{region}.amazonaws.com"
                    for n in range(1, (cluster.number_of_broker_nodes or 1) + 1)
                ]
            cluster.broker_hosts = hosts  # type: ignore[attr-defined]
        if cluster.cluster_type == "SERVERLESS":
            auth = (cluster.serverless_config or {}).get("clientAuthentication", {})
            if auth.get("sasl", {}).get("iam", {}).get("enabled"):
                host = cluster.broker_hosts[0]  # type: ignore[attr-defined]
                return {"bootstrapBrokerStringSaslIam": f"{host}:{SASL_IAM_PORT}"}
            return {}
        hosts: list[str] = cluster.broker_hosts  # type: ignore[attr-defined]

        def brokers(port: int) -> str:
            return ",".join(f"{h}:{port}" for h in hosts)

        auth = cluster.client_authentication or {}
        in_transit = (cluster.encryption_info or {}).get("encryptionInTransit", {})
        client_broker = in_transit.get("clientBroker", "TLS")
        result = {}
        if client_broker in ("PLAINTEXT", "TLS_PLAINTEXT"):
            result["bootstrapBrokerString"] = brokers(PLAINTEXT_PORT)
        if client_broker in ("TLS", "TLS_PLAINTEXT"):
            if auth.get("tls") or auth.get("unauthenticated", {}).get("enabled"):
                result["bootstrapBrokerStringTls"] = brokers(TLS_PORT)
            if auth.get("sasl", {}).get("scram", {}).get("enabled"):
                result["bootstrapBrokerStringSaslScram"] = brokers(SASL_SCRAM_PORT)
            if auth.get("sasl", {}).get("iam", {}).get("enabled"):
                result["bootstrapBrokerStringSaslIam"] = brokers(SASL_IAM_PORT)
        return result

    # ------------------------------------------------------ configurations

    def create_configuration(
        self,
        name: str,
        server_properties: str,
        kafka_versions: list[str] | None = None,
        description: str | None = None,
    ) -> FakeConfiguration:
        if not name or not server_properties:
            raise BadRequestException("name and serverProperties are required.")
        if any(c.name == name for c in self.configurations.values()):
            raise ConflictException(f"A configuration named {name} already exists.")
        configuration = FakeConfiguration(
            name=name,
            kafka_versions=kafka_versions,
            server_properties=server_properties,
            description=description,
            account_id=self.account_id,
            region_name=self.region_name,
            partition=self.partition,
        )
        self.configurations[configuration.arn] = configuration
        return configuration

    def describe_configuration(self, arn: str) -> FakeConfiguration:
        try:
            return self.configurations[arn]
        except KeyError:
            raise BadRequestException(CONFIGURATION_NOT_FOUND_MSG.format(arn=arn))

    def describe_configuration_revision(
        self, arn: str, revision: int
    ) -> tuple[FakeConfiguration, ConfigurationRevision]:
        configuration = self.describe_configuration(arn)
        for r in configuration.revisions:
            if r.revision == revision:
                return configuration, r
        raise NotFoundException(
            CONFIGURATION_REVISION_NOT_FOUND_MSG.format(arn=arn, revision=revision)
        )

    def list_configuration_revisions(self, arn: str) -> list[ConfigurationRevision]:
        return list(self.describe_configuration(arn).revisions)

    def list_configurations(self) -> list[FakeConfiguration]:
        return list(self.configurations.values())

    def update_configuration(
        self, arn: str, server_properties: str, description: str | None = None
    ) -> FakeConfiguration:
        configuration = self.describe_configuration(arn)
        configuration.revisions.append(
            ConfigurationRevision(
                configuration.latest_revision.revision + 1, server_properties, description
            )
        )
        return configuration

    def delete_configuration(self, arn: str) -> FakeConfiguration:
        configuration = self.describe_configuration(arn)
        in_use = [
            c.arn
            for c in self.clusters.values()
            if (c.configuration_info or {}).get("arn") == arn
        ]
        if in_use:
            raise BadRequestException(
                f"Configuration {arn} is in use by cluster {in_use[0]}."
            )
        del self.configurations[arn]
        configuration.state = "DELETING"
        return configuration


def decode_properties(server_properties: str) -> str:
    """The properties file a configuration revision holds (for tests)."""
    return base64.b64decode(server_properties).decode()


kafka_backends = kafka_models.kafka_backends
