"""The MSK operations hello_moto adds, on moto's KafkaResponse."""

import json
from urllib.parse import unquote

from moto.kafka import responses as kafka_responses

from .models import KafkaBackend, kafka_backends


class KafkaResponse(kafka_responses.KafkaResponse):
    @property
    def kafka_backend(self) -> KafkaBackend:
        return kafka_backends[self.current_account][self.region]  # type: ignore[return-value]

    def _path_arn(self, collection: str) -> str:
        """The ARN after /<collection>/ in the path, up to the operation's suffix."""
        rest = unquote(self.parsed_url.path.split(f"/{collection}/", 1)[-1])
        for suffix in ("/bootstrap-brokers", "/revisions"):
            if suffix in rest:
                return rest.split(suffix, 1)[0]
        return rest

    def get_bootstrap_brokers(self) -> str:
        brokers = self.kafka_backend.get_bootstrap_brokers(self._path_arn("clusters"))
        return json.dumps(brokers)

    def create_configuration(self) -> str:
        configuration = self.kafka_backend.create_configuration(
            name=self._get_param("name"),
            server_properties=self._get_param("serverProperties"),
            kafka_versions=self._get_param("kafkaVersions"),
            description=self._get_param("description"),
        )
        result = configuration.to_dict()
        return json.dumps(
            {k: result[k] for k in ("arn", "creationTime", "latestRevision", "name", "state")}
        )

    def describe_configuration(self) -> str:
        configuration = self.kafka_backend.describe_configuration(
            self._path_arn("configurations")
        )
        return json.dumps(configuration.to_dict())

    def describe_configuration_revision(self) -> str:
        revision = int(self.parsed_url.path.rstrip("/").rsplit("/", 1)[-1])
        configuration, found = self.kafka_backend.describe_configuration_revision(
            self._path_arn("configurations"), revision
        )
        return json.dumps(
            {
                "arn": configuration.arn,
                "creationTime": found.creation_time,
                "description": found.description or "",
                "revision": found.revision,
                "serverProperties": found.server_properties,
            }
        )

    def list_configuration_revisions(self) -> str:
        revisions = self.kafka_backend.list_configuration_revisions(
            self._path_arn("configurations")
        )
        return json.dumps({"revisions": [r.summary() for r in revisions]})

    def list_configurations(self) -> str:
        configurations = self.kafka_backend.list_configurations()
        return json.dumps({"configurations": [c.to_dict() for c in configurations]})

    def update_configuration(self) -> str:
        configuration = self.kafka_backend.update_configuration(
            arn=self._path_arn("configurations"),
            server_properties=self._get_param("serverProperties"),
            description=self._get_param("description"),
        )
        return json.dumps(
            {"arn": configuration.arn, "latestRevision": configuration.latest_revision.summary()}
        )

    def delete_configuration(self) -> str:
        configuration = self.kafka_backend.delete_configuration(
            self._path_arn("configurations")
        )
        return json.dumps({"arn": configuration.arn, "state": configuration.state})
