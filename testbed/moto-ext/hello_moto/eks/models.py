"""EKS calls moto 5.2.5 does not serve, on moto's own EKS backend.

Access entries, access policy associations, addons and the addon catalogue
(DescribeAddonVersions), and the DescribeCluster fields the AWS provider reads
back (resourcesVpcConfig.clusterSecurityGroupId and vpcId, accessConfig). The
state lives on moto's Cluster objects in moto's EKSBackend, as the cluster's
node groups and Fargate profiles do, so deleting works on what creating made.
"""

from typing import Any

from moto.core.common_models import BaseModel
from moto.core.utils import utcnow
from moto.eks import models as eks_models
from moto.eks.exceptions import (
    EKSError,
    InvalidParameterException,
    ResourceInUseException,
    ResourceNotFoundException,
)
from moto.moto_api._internal import mock_random as random

ACCESS_ENTRY_ARN_TEMPLATE = "arn:{partition}:eks:{region}:{account_id}:access-entry/{cluster_name}/{kind}/{principal_account}/{principal_name}/{uuid}"
ADDON_ARN_TEMPLATE = (
    "arn:{partition}:eks:{region}:{account_id}:addon/{cluster_name}/{addon_name}/{uuid}"
)
ACCESS_POLICY_ARN_PREFIX = "arn:{partition}:eks::aws:cluster-access-policy/"

ACCESS_ENTRY_EXISTS_MSG = "The specified access entry resource is already in use on this cluster."
ACCESS_ENTRY_NOT_FOUND_MSG = "The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'."
ADDON_EXISTS_MSG = "Addon already exists with name: {addonName}."
ADDON_NOT_FOUND_MSG = "No addon: {addonName} found in cluster: {clusterName}"
ADDON_UNKNOWN_MSG = "Addon {addonName} specified is not supported in {version} kubernetes version"
ADDON_VERSION_UNKNOWN_MSG = "Addon version specified is not supported"
ACCESS_POLICY_UNKNOWN_MSG = "The specified policyArn is invalid: {policyArn}"

ACCESS_ENTRY_TYPES = ["STANDARD", "FARGATE_LINUX", "EC2_LINUX", "EC2_WINDOWS"]
ACCESS_POLICIES = [
    "AmazonEKSAdminPolicy",
    "AmazonEKSClusterAdminPolicy",
    "AmazonEKSEditPolicy",
    "AmazonEKSViewPolicy",
]
DEFAULT_AUTHENTICATION_MODE = "CONFIG_MAP"

# The addons and versions moto serves: for each addon, its versions, newest
# first, with the Kubernetes minors each one supports; the second of each
# list is the one marked default (EKS marks an older build default, not the
# newest). Versions are shaped like EKS's (vX.Y.Z-eksbuild.N).
KUBERNETES_VERSIONS = ["1.31", "1.32", "1.33", "1.34", "1.35"]
ADDON_CATALOGUE: dict[str, dict[str, Any]] = {
    "vpc-cni": {
        "type": "networking",
        "versions": ["v1.20.4-eksbuild.2", "v1.20.4-eksbuild.1", "v1.19.6-eksbuild.1"],
    },
    "coredns": {
        "type": "networking",
        "versions": ["v1.12.4-eksbuild.1", "v1.12.3-eksbuild.1", "v1.11.4-eksbuild.2"],
    },
    "eks-pod-identity-agent": {
        "type": "security",
        "versions": ["v1.3.9-eksbuild.3", "v1.3.8-eksbuild.2"],
    },
    # kube-proxy follows the Kubernetes minor: one line per minor.
    "kube-proxy": {"type": "networking", "versions": []},
}


def addon_versions(addon_name: str, kubernetes_version: str | None) -> list[dict[str, Any]]:
    """The AddonVersionInfo list of one addon, newest first."""
    minors = [kubernetes_version] if kubernetes_version else KUBERNETES_VERSIONS
    minors = [m for m in minors if m in KUBERNETES_VERSIONS]
    result = []
    for minor in minors:
        if addon_name == "kube-proxy":
            versions = [f"v{minor}.2-eksbuild.3", f"v{minor}.2-eksbuild.2"]
        else:
            versions = ADDON_CATALOGUE[addon_name]["versions"]
        for index, version in enumerate(versions):
            info = next((i for i in result if i["addonVersion"] == version), None)
            if info is None:
                info = {
                    "addonVersion": version,
                    "architecture": ["amd64", "arm64"],
                    "computeTypes": ["ec2", "fargate", "auto"]
                    if addon_name == "coredns"
                    else ["ec2", "auto"],
                    "compatibilities": [],
                    "requiresConfiguration": False,
                    "requiresIamPermissions": addon_name == "vpc-cni",
                }
                result.append(info)
            info["compatibilities"].append(
                {
                    "clusterVersion": minor,
                    "platformVersions": ["*"],
                    "defaultVersion": index == 1,
                }
            )
    return result


def cluster_error(
    error: type[EKSError], cluster_name: str, message: str, addon_name: str | None = None
) -> EKSError:
    """The error EKS answers for a call on a cluster or its addons. (Its
    ResourceInUseException, as moto's, names no fargateProfileName.)"""
    return error(
        clusterName=cluster_name,
        nodegroupName=None,
        fargateProfileName=None,
        addonName=addon_name,
        message=message,
    )


class AccessEntry(BaseModel):
    def __init__(
        self,
        cluster_name: str,
        principal_arn: str,
        account_id: str,
        region_name: str,
        aws_partition: str,
        kubernetes_groups: list[str] | None = None,
        tags: dict[str, str] | None = None,
        username: str | None = None,
        access_entry_type: str | None = None,
    ):
        self.cluster_name = cluster_name
        self.principal_arn = principal_arn
        self.kubernetes_groups = kubernetes_groups or []
        self.tags = tags or {}
        self.type = access_entry_type or "STANDARD"
        # arn:aws:iam::123456789012:role/path/name -> 123456789012, role, name
        resource = principal_arn.split(":", 5)[-1]
        kind = resource.split("/")[0]
        principal_name = resource.split("/")[-1]
        principal_account = principal_arn.split(":")[4]
        # EKS derives the user name from the principal when none is given.
        if username:
            self.username = username
        elif kind == "role":
            self.username = f"arn:{aws_partition}:sts::{principal_account}:assumed-role/{principal_name}/{{{{SessionName}}}}"
        else:
            self.username = principal_arn
        self.access_entry_arn = ACCESS_ENTRY_ARN_TEMPLATE.format(
            partition=aws_partition,
            region=region_name,
            account_id=account_id,
            cluster_name=cluster_name,
            kind=kind,
            principal_account=principal_account,
            principal_name=principal_name,
            uuid=random.uuid4(),
        )
        self.created_at = utcnow()
        self.modified_at = self.created_at
        # policyArn -> AssociatedAccessPolicy
        self.access_policies: dict[str, AssociatedAccessPolicy] = {}


class AssociatedAccessPolicy(BaseModel):
    def __init__(self, policy_arn: str, access_scope: dict[str, Any]):
        self.policy_arn = policy_arn
        self.access_scope = {
            "type": access_scope.get("type", "cluster"),
            "namespaces": access_scope.get("namespaces") or [],
        }
        self.associated_at = utcnow()
        self.modified_at = self.associated_at


class Addon(BaseModel):
    def __init__(
        self,
        cluster_name: str,
        addon_name: str,
        addon_version: str,
        account_id: str,
        region_name: str,
        aws_partition: str,
        service_account_role_arn: str | None = None,
        tags: dict[str, str] | None = None,
        configuration_values: str | None = None,
        pod_identity_associations: list[dict[str, str]] | None = None,
    ):
        self.cluster_name = cluster_name
        self.addon_name = addon_name
        self.addon_version = addon_version
        self.service_account_role_arn = service_account_role_arn
        self.tags = tags or {}
        self.configuration_values = configuration_values
        self.pod_identity_associations = [
            a.get("roleArn", "") for a in (pod_identity_associations or [])
        ]
        self.addon_arn = ADDON_ARN_TEMPLATE.format(
            partition=aws_partition,
            region=region_name,
            account_id=account_id,
            cluster_name=cluster_name,
            addon_name=addon_name,
            uuid=random.uuid4(),
        )
        self.status = eks_models.ACTIVE_STATUS
        self.health = {"issues": []}
        self.created_at = utcnow()
        self.modified_at = self.created_at


class EKSBackend(eks_models.EKSBackend):
    """moto's EKS backend, plus access entries, addons and the cluster
    security group EKS creates for every cluster."""

    # ------------------------------------------------------------ clusters

    def create_cluster(  # type: ignore[override]
        self,
        name: str,
        role_arn: str,
        resources_vpc_config: dict[str, Any],
        access_config: dict[str, Any] | None = None,
        bootstrap_self_managed_addons: bool | None = None,
        **kwargs: Any,
    ) -> eks_models.Cluster:
        self._check_subnets((resources_vpc_config or {}).get("subnetIds"), name, "cluster")
        cluster = super().create_cluster(
            name=name,
            role_arn=role_arn,
            resources_vpc_config=dict(resources_vpc_config or {}),
            **kwargs,
        )
        vpc_config = cluster.resources_vpc_config
        vpc_config.setdefault("securityGroupIds", [])
        vpc_config.setdefault("endpointPublicAccess", True)
        vpc_config.setdefault("endpointPrivateAccess", False)
        if vpc_config["endpointPublicAccess"]:
            vpc_config.setdefault("publicAccessCidrs", ["0.0.0.0/0"])
        else:
            vpc_config.setdefault("publicAccessCidrs", [])
        # EKS makes a security group for the control plane and the nodes in
        # the subnets' VPC; it is deleted with the cluster.
        ec2 = self._ec2_backend()
        subnet_ids = vpc_config.get("subnetIds") or []
        vpc_id = ec2.get_subnet(subnet_ids[0]).vpc_id if subnet_ids else None
        if vpc_id:
            group = ec2.create_security_group(
                name=f"eks-cluster-sg-{name}-{random.get_random_string(8, lower_case=True)}",
                description="EKS created security group applied to ENI that is attached to EKS Control Plane master nodes, as well as any managed workloads.",
                vpc_id=vpc_id,
                tags={
                    "Name": f"eks-cluster-sg-{name}",
                    f"kubernetes.io/cluster/{name}": "owned",
                    "aws:eks:cluster-name": name,
                },
            )
            vpc_config["vpcId"] = vpc_id
            vpc_config["clusterSecurityGroupId"] = group.id
        access_config = access_config or {}
        cluster.access_config = {
            "authenticationMode": access_config.get(
                "authenticationMode", DEFAULT_AUTHENTICATION_MODE
            ),
            "bootstrapClusterCreatorAdminPermissions": access_config.get(
                "bootstrapClusterCreatorAdminPermissions", True
            ),
        }
        cluster.bootstrap_self_managed_addons = (
            True if bootstrap_self_managed_addons is None else bootstrap_self_managed_addons
        )
        cluster.access_entries: dict[str, AccessEntry] = {}  # type: ignore[misc]
        cluster.addons: dict[str, Addon] = {}  # type: ignore[misc]
        return cluster

    # ---------------------------------------------------------- node groups

    def create_nodegroup(self, cluster_name: str, nodegroup_name: str, **kwargs: Any) -> eks_models.Nodegroup:  # type: ignore[override]
        """moto's, answering as EKS does for what the request leaves out:
        no remote access (moto invents an SSH key, which the AWS provider
        then plans to remove by replacing the node group), no disk size with a
        launch template, maxUnavailable 1, the cluster's Kubernetes version."""
        cluster = self.describe_cluster(cluster_name)
        self._check_subnets(kwargs.get("subnets"), cluster_name, "node group")
        update_config = kwargs.pop("update_config", None)
        nodegroup = super().create_nodegroup(
            cluster_name=cluster_name, nodegroup_name=nodegroup_name, **kwargs
        )
        if not kwargs.get("remote_access"):
            nodegroup.remote_access = None
            nodegroup.resources.pop("remoteAccessSecurityGroup", None)
        if kwargs.get("launch_template") and not kwargs.get("disk_size"):
            nodegroup.disk_size = None
        nodegroup.update_config = update_config or {"maxUnavailable": 1}
        if not kwargs.get("version"):
            nodegroup.version = cluster.version
            if not kwargs.get("release_version"):
                nodegroup.release_version = f"{cluster.version}.0-20260101"
        return nodegroup

    def create_fargate_profile(self, fargate_profile_name: str, cluster_name: str, **kwargs: Any) -> eks_models.FargateProfile:  # type: ignore[override]
        self._check_subnets(kwargs.get("subnets"), cluster_name, "Fargate profile")
        return super().create_fargate_profile(
            fargate_profile_name=fargate_profile_name, cluster_name=cluster_name, **kwargs
        )

    def delete_cluster(self, name: str) -> eks_models.Cluster:
        cluster = self.describe_cluster(name)
        if getattr(cluster, "addons", None):
            # EKS deletes them with the cluster; moto refuses only node groups.
            cluster.addons.clear()
        result = super().delete_cluster(name)
        group_id = result.resources_vpc_config.get("clusterSecurityGroupId")
        if group_id:
            self._ec2_backend().delete_security_group(group_id=group_id)
        return result

    def update_cluster_config(  # type: ignore[override]
        self,
        name: str,
        resources_vpc_config: dict[str, Any] | None = None,
        logging: dict[str, Any] | None = None,
        client_request_token: str | None = None,
        kubernetes_network_config: dict[str, str] | None = None,
        remote_network_config: dict[str, list[dict[str, list[str]]]] | None = None,
        access_config: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Applies the change at once and returns the Update, Successful.

        Unlike moto's, a partial resourcesVpcConfig changes only the fields it
        names (the subnets, VPC and cluster security group stay)."""
        cluster = self.describe_cluster(name)
        params = []
        if resources_vpc_config:
            cluster.resources_vpc_config.update(resources_vpc_config)
            params += [{"type": k[0].upper() + k[1:], "value": str(v)} for k, v in resources_vpc_config.items()]
        if logging:
            cluster.logging = logging
            params.append({"type": "ClusterLogging", "value": str(logging)})
        if kubernetes_network_config:
            cluster.kubernetes_network_config = kubernetes_network_config
        if remote_network_config:
            cluster.remote_network_config = remote_network_config
        if access_config and "authenticationMode" in access_config:
            cluster.access_config["authenticationMode"] = access_config["authenticationMode"]
            params.append({"type": "AuthenticationMode", "value": access_config["authenticationMode"]})
        kind = "AccessConfigUpdate" if access_config else (
            "LoggingUpdate" if logging and not resources_vpc_config else "EndpointAccessUpdate"
        )
        return self._record_update(cluster, kind, params)

    def describe_update(self, name: str, update_id: str) -> dict[str, Any]:
        cluster = self.describe_cluster(name)
        try:
            return cluster.updates[update_id]
        except (AttributeError, KeyError):
            raise cluster_error(
                ResourceNotFoundException,
                name,
                f"No update found for ID: {update_id}",
            )

    def _record_update(
        self, cluster: eks_models.Cluster, kind: str, params: list[dict[str, str]]
    ) -> dict[str, Any]:
        update = {
            "id": str(random.uuid4()),
            "status": "Successful",
            "type": kind,
            "params": params,
            "createdAt": utcnow(),
            "errors": [],
        }
        if not hasattr(cluster, "updates"):
            cluster.updates = {}  # type: ignore[attr-defined]
        cluster.updates[update["id"]] = update  # type: ignore[attr-defined]
        return update

    def _check_subnets(self, subnet_ids: list[str] | None, cluster_name: str, what: str) -> None:
        """EKS refuses subnets that do not exist (moto accepts any string)."""
        from moto.ec2.exceptions import InvalidSubnetIdError

        ec2 = self._ec2_backend()
        for subnet_id in subnet_ids or []:
            try:
                ec2.get_subnet(subnet_id)
            except InvalidSubnetIdError:
                raise cluster_error(
                    InvalidParameterException,
                    cluster_name,
                    f"The subnet ID '{subnet_id}' of the {what} does not exist",
                )

    def _ec2_backend(self) -> Any:
        from moto.ec2.models import ec2_backends

        return ec2_backends[self.account_id][self.region_name]

    # ------------------------------------------------------- access entries

    def create_access_entry(
        self,
        cluster_name: str,
        principal_arn: str,
        kubernetes_groups: list[str] | None = None,
        tags: dict[str, str] | None = None,
        username: str | None = None,
        access_entry_type: str | None = None,
    ) -> AccessEntry:
        cluster = self.describe_cluster(cluster_name)
        if cluster.access_config["authenticationMode"] == "CONFIG_MAP":
            raise cluster_error(
                InvalidParameterException,
                cluster_name,
                "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.",
            )
        if access_entry_type and access_entry_type not in ACCESS_ENTRY_TYPES:
            raise cluster_error(
                InvalidParameterException,
                cluster_name,
                f"The type {access_entry_type} is not valid.",
            )
        if principal_arn in cluster.access_entries:
            raise ResourceInUseException(
                clusterName=cluster_name,
                nodegroupName=None,
                addonName=None,
                message=ACCESS_ENTRY_EXISTS_MSG,
            )
        entry = AccessEntry(
            cluster_name=cluster_name,
            principal_arn=principal_arn,
            kubernetes_groups=kubernetes_groups,
            tags=tags,
            username=username,
            access_entry_type=access_entry_type,
            account_id=self.account_id,
            region_name=self.region_name,
            aws_partition=self.partition,
        )
        cluster.access_entries[principal_arn] = entry
        return entry

    def describe_access_entry(self, cluster_name: str, principal_arn: str) -> AccessEntry:
        cluster = self.describe_cluster(cluster_name)
        try:
            return cluster.access_entries[principal_arn]
        except KeyError:
            raise cluster_error(ResourceNotFoundException, cluster_name, ACCESS_ENTRY_NOT_FOUND_MSG)

    def update_access_entry(
        self,
        cluster_name: str,
        principal_arn: str,
        kubernetes_groups: list[str] | None = None,
        username: str | None = None,
    ) -> AccessEntry:
        entry = self.describe_access_entry(cluster_name, principal_arn)
        if kubernetes_groups is not None:
            entry.kubernetes_groups = kubernetes_groups
        if username is not None:
            entry.username = username
        entry.modified_at = utcnow()
        return entry

    def delete_access_entry(self, cluster_name: str, principal_arn: str) -> None:
        self.describe_access_entry(cluster_name, principal_arn)
        del self.describe_cluster(cluster_name).access_entries[principal_arn]

    def list_access_entries(
        self, cluster_name: str, max_results: int, next_token: str | None
    ) -> tuple[list[str], str | None]:
        cluster = self.describe_cluster(cluster_name)
        return eks_models.paginated_list(
            list(cluster.access_entries.keys()), max_results, next_token
        )

    def associate_access_policy(
        self,
        cluster_name: str,
        principal_arn: str,
        policy_arn: str,
        access_scope: dict[str, Any],
    ) -> AssociatedAccessPolicy:
        entry = self.describe_access_entry(cluster_name, principal_arn)
        prefix = ACCESS_POLICY_ARN_PREFIX.format(partition=self.partition)
        if not policy_arn.startswith(prefix) or policy_arn[len(prefix) :] not in ACCESS_POLICIES:
            raise cluster_error(
                InvalidParameterException,
                cluster_name,
                ACCESS_POLICY_UNKNOWN_MSG.format(policyArn=policy_arn),
            )
        existing = entry.access_policies.get(policy_arn)
        policy = AssociatedAccessPolicy(policy_arn, access_scope or {})
        if existing is not None:
            # Associating again replaces the scope (what AWS does).
            policy.associated_at = existing.associated_at
        entry.access_policies[policy_arn] = policy
        return policy

    def list_associated_access_policies(
        self,
        cluster_name: str,
        principal_arn: str,
        max_results: int,
        next_token: str | None,
    ) -> tuple[list[AssociatedAccessPolicy], str | None]:
        entry = self.describe_access_entry(cluster_name, principal_arn)
        arns, new_next = eks_models.paginated_list(
            list(entry.access_policies.keys()), max_results, next_token
        )
        return [entry.access_policies[a] for a in arns], new_next

    def disassociate_access_policy(
        self, cluster_name: str, principal_arn: str, policy_arn: str
    ) -> None:
        entry = self.describe_access_entry(cluster_name, principal_arn)
        if entry.access_policies.pop(policy_arn, None) is None:
            raise cluster_error(
                ResourceNotFoundException,
                cluster_name,
                f"The specified policy {policy_arn} is not associated with principal {principal_arn}.",
            )

    # --------------------------------------------------------------- addons

    def create_addon(
        self,
        cluster_name: str,
        addon_name: str,
        addon_version: str | None = None,
        service_account_role_arn: str | None = None,
        tags: dict[str, str] | None = None,
        configuration_values: str | None = None,
        pod_identity_associations: list[dict[str, str]] | None = None,
    ) -> Addon:
        cluster = self.describe_cluster(cluster_name)
        if addon_name in cluster.addons:
            raise ResourceInUseException(
                clusterName=cluster_name,
                nodegroupName=None,
                addonName=addon_name,
                message=ADDON_EXISTS_MSG.format(addonName=addon_name),
            )
        addon_version = self._check_addon_version(cluster, addon_name, addon_version)
        addon = Addon(
            cluster_name=cluster_name,
            addon_name=addon_name,
            addon_version=addon_version,
            service_account_role_arn=service_account_role_arn,
            tags=tags,
            configuration_values=configuration_values,
            pod_identity_associations=pod_identity_associations,
            account_id=self.account_id,
            region_name=self.region_name,
            aws_partition=self.partition,
        )
        cluster.addons[addon_name] = addon
        return addon

    def describe_addon(self, cluster_name: str, addon_name: str) -> Addon:
        cluster = self.describe_cluster(cluster_name)
        try:
            return cluster.addons[addon_name]
        except KeyError:
            raise cluster_error(
                ResourceNotFoundException,
                cluster_name,
                ADDON_NOT_FOUND_MSG.format(addonName=addon_name, clusterName=cluster_name),
                addon_name=addon_name,
            )

    def update_addon(
        self,
        cluster_name: str,
        addon_name: str,
        addon_version: str | None = None,
        service_account_role_arn: str | None = None,
        configuration_values: str | None = None,
    ) -> dict[str, Any]:
        addon = self.describe_addon(cluster_name, addon_name)
        cluster = self.describe_cluster(cluster_name)
        params = []
        if addon_version is not None:
            addon.addon_version = self._check_addon_version(
                cluster, addon_name, addon_version
            )
            params.append({"type": "AddonVersion", "value": addon.addon_version})
        if service_account_role_arn is not None:
            addon.service_account_role_arn = service_account_role_arn or None
            params.append({"type": "ServiceAccountRoleArn", "value": service_account_role_arn})
        if configuration_values is not None:
            addon.configuration_values = configuration_values or None
            params.append({"type": "ConfigurationValues", "value": configuration_values})
        addon.modified_at = utcnow()
        return self._record_update(cluster, "AddonUpdate", params)

    def delete_addon(self, cluster_name: str, addon_name: str) -> Addon:
        addon = self.describe_addon(cluster_name, addon_name)
        del self.describe_cluster(cluster_name).addons[addon_name]
        addon.status = "DELETING"
        return addon

    def list_addons(
        self, cluster_name: str, max_results: int, next_token: str | None
    ) -> tuple[list[str], str | None]:
        cluster = self.describe_cluster(cluster_name)
        return eks_models.paginated_list(list(cluster.addons.keys()), max_results, next_token)

    def describe_addon_versions(
        self, addon_name: str | None, kubernetes_version: str | None
    ) -> list[dict[str, Any]]:
        names = [addon_name] if addon_name else sorted(ADDON_CATALOGUE)
        result = []
        for name in names:
            if name not in ADDON_CATALOGUE:
                continue
            versions = addon_versions(name, kubernetes_version)
            if not versions:
                continue
            result.append(
                {
                    "addonName": name,
                    "type": ADDON_CATALOGUE[name]["type"],
                    "addonVersions": versions,
                    "publisher": "eks",
                    "owner": "aws",
                    "defaultNamespace": "kube-system",
                }
            )
        return result

    def _check_addon_version(
        self, cluster: eks_models.Cluster, addon_name: str, addon_version: str | None
    ) -> str:
        versions = addon_versions(addon_name, cluster.version) if addon_name in ADDON_CATALOGUE else []
        if not versions:
            raise cluster_error(
                InvalidParameterException,
                cluster.name,
                ADDON_UNKNOWN_MSG.format(addonName=addon_name, version=cluster.version),
                addon_name=addon_name,
            )
        if addon_version is None:
            return next(
                v["addonVersion"]
                for v in versions
                if any(c["defaultVersion"] for c in v["compatibilities"])
            )
        if addon_version not in [v["addonVersion"] for v in versions]:
            raise cluster_error(
                InvalidParameterException,
                cluster.name,
                ADDON_VERSION_UNKNOWN_MSG,
                addon_name=addon_name,
            )
        return addon_version


eks_backends = eks_models.eks_backends
