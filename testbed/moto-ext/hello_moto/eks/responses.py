"""The EKS operations hello_moto adds, on moto's EKSResponse."""

from urllib.parse import unquote

from moto.core.responses import ActionResult, EmptyResult
from moto.eks import responses as eks_responses

from .models import EKSBackend, eks_backends

DEFAULT_MAX_RESULTS = eks_responses.DEFAULT_MAX_RESULTS


class EKSResponse(eks_responses.EKSResponse):
    @property
    def eks_backend(self) -> EKSBackend:
        return eks_backends[self.current_account][self.region]  # type: ignore[return-value]

    def _principal_arn(self) -> str:
        return unquote(self._get_param("principalArn"))

    # ------------------------------------------------------------ clusters

    def create_cluster(self) -> ActionResult:
        cluster = self.eks_backend.create_cluster(
            name=self._get_param("name"),
            version=self._get_param("version"),
            role_arn=self._get_param("roleArn"),
            resources_vpc_config=self._get_param("resourcesVpcConfig"),
            kubernetes_network_config=self._get_param("kubernetesNetworkConfig"),
            logging=self._get_param("logging"),
            client_request_token=self._get_param("clientRequestToken"),
            tags=self._get_param("tags"),
            encryption_config=self._get_param("encryptionConfig"),
            remote_network_config=self._get_param("remoteNetworkConfig"),
            access_config=self._get_param("accessConfig"),
            bootstrap_self_managed_addons=self._get_param("bootstrapSelfManagedAddons"),
        )
        return ActionResult({"cluster": cluster})

    def create_nodegroup(self) -> ActionResult:
        # moto's, passing updateConfig on (moto drops it).
        nodegroup = self.eks_backend.create_nodegroup(
            cluster_name=self._get_param("name"),
            nodegroup_name=self._get_param("nodegroupName"),
            scaling_config=self._get_param("scalingConfig"),
            disk_size=self._get_int_param("diskSize"),
            subnets=self._get_param("subnets"),
            instance_types=self._get_param("instanceTypes"),
            ami_type=self._get_param("amiType"),
            remote_access=self._get_param("remoteAccess"),
            node_role=self._get_param("nodeRole"),
            labels=self._get_param("labels"),
            taints=self._get_param("taints"),
            tags=self._get_param("tags"),
            client_request_token=self._get_param("clientRequestToken"),
            launch_template=self._get_param("launchTemplate"),
            capacity_type=self._get_param("capacityType"),
            version=self._get_param("version"),
            release_version=self._get_param("releaseVersion"),
            update_config=self._get_param("updateConfig"),
        )
        return ActionResult({"nodegroup": nodegroup})

    def update_cluster_config(self) -> ActionResult:
        update = self.eks_backend.update_cluster_config(
            name=self._get_param("name"),
            resources_vpc_config=self._get_param("resourcesVpcConfig"),
            logging=self._get_param("logging"),
            client_request_token=self._get_param("clientRequestToken"),
            kubernetes_network_config=self._get_param("kubernetesNetworkConfig"),
            remote_network_config=self._get_param("remoteNetworkConfig"),
            access_config=self._get_param("accessConfig"),
        )
        return ActionResult({"update": update})

    def describe_update(self) -> ActionResult:
        update = self.eks_backend.describe_update(
            name=self._get_param("name"), update_id=self._get_param("updateId")
        )
        return ActionResult({"update": update})

    # ------------------------------------------------------- access entries

    def create_access_entry(self) -> ActionResult:
        entry = self.eks_backend.create_access_entry(
            cluster_name=self._get_param("name"),
            principal_arn=self._get_param("principalArn"),
            kubernetes_groups=self._get_param("kubernetesGroups"),
            tags=self._get_param("tags"),
            username=self._get_param("username"),
            access_entry_type=self._get_param("type"),
        )
        return ActionResult({"accessEntry": entry})

    def describe_access_entry(self) -> ActionResult:
        entry = self.eks_backend.describe_access_entry(
            cluster_name=self._get_param("name"), principal_arn=self._principal_arn()
        )
        return ActionResult({"accessEntry": entry})

    def update_access_entry(self) -> ActionResult:
        entry = self.eks_backend.update_access_entry(
            cluster_name=self._get_param("name"),
            principal_arn=self._principal_arn(),
            kubernetes_groups=self._get_param("kubernetesGroups"),
            username=self._get_param("username"),
        )
        return ActionResult({"accessEntry": entry})

    def delete_access_entry(self) -> EmptyResult:
        self.eks_backend.delete_access_entry(
            cluster_name=self._get_param("name"), principal_arn=self._principal_arn()
        )
        return EmptyResult()

    def list_access_entries(self) -> ActionResult:
        entries, next_token = self.eks_backend.list_access_entries(
            cluster_name=self._get_param("name"),
            max_results=self._get_int_param("maxResults", DEFAULT_MAX_RESULTS),
            next_token=self._get_param("nextToken"),
        )
        return ActionResult({"accessEntries": entries, "nextToken": next_token})

    def associate_access_policy(self) -> ActionResult:
        cluster_name = self._get_param("name")
        principal_arn = self._principal_arn()
        policy = self.eks_backend.associate_access_policy(
            cluster_name=cluster_name,
            principal_arn=principal_arn,
            policy_arn=self._get_param("policyArn"),
            access_scope=self._get_param("accessScope"),
        )
        return ActionResult(
            {
                "clusterName": cluster_name,
                "principalArn": principal_arn,
                "associatedAccessPolicy": policy,
            }
        )

    def list_associated_access_policies(self) -> ActionResult:
        cluster_name = self._get_param("name")
        principal_arn = self._principal_arn()
        policies, next_token = self.eks_backend.list_associated_access_policies(
            cluster_name=cluster_name,
            principal_arn=principal_arn,
            max_results=self._get_int_param("maxResults", DEFAULT_MAX_RESULTS),
            next_token=self._get_param("nextToken"),
        )
        return ActionResult(
            {
                "clusterName": cluster_name,
                "principalArn": principal_arn,
                "associatedAccessPolicies": policies,
                "nextToken": next_token,
            }
        )

    def disassociate_access_policy(self) -> EmptyResult:
        self.eks_backend.disassociate_access_policy(
            cluster_name=self._get_param("name"),
            principal_arn=self._principal_arn(),
            policy_arn=unquote(self._get_param("policyArn")),
        )
        return EmptyResult()

    # --------------------------------------------------------------- addons

    def create_addon(self) -> ActionResult:
        addon = self.eks_backend.create_addon(
            cluster_name=self._get_param("name"),
            addon_name=self._get_param("addonName"),
            addon_version=self._get_param("addonVersion"),
            service_account_role_arn=self._get_param("serviceAccountRoleArn"),
            tags=self._get_param("tags"),
            configuration_values=self._get_param("configurationValues"),
            pod_identity_associations=self._get_param("podIdentityAssociations"),
        )
        return ActionResult({"addon": addon})

    def describe_addon(self) -> ActionResult:
        addon = self.eks_backend.describe_addon(
            cluster_name=self._get_param("name"), addon_name=self._get_param("addonName")
        )
        return ActionResult({"addon": addon})

    def update_addon(self) -> ActionResult:
        update = self.eks_backend.update_addon(
            cluster_name=self._get_param("name"),
            addon_name=self._get_param("addonName"),
            addon_version=self._get_param("addonVersion"),
            service_account_role_arn=self._get_param("serviceAccountRoleArn"),
            configuration_values=self._get_param("configurationValues"),
        )
        return ActionResult({"update": update})

    def delete_addon(self) -> ActionResult:
        addon = self.eks_backend.delete_addon(
            cluster_name=self._get_param("name"), addon_name=self._get_param("addonName")
        )
        return ActionResult({"addon": addon})

    def list_addons(self) -> ActionResult:
        addons, next_token = self.eks_backend.list_addons(
            cluster_name=self._get_param("name"),
            max_results=self._get_int_param("maxResults", DEFAULT_MAX_RESULTS),
            next_token=self._get_param("nextToken"),
        )
        return ActionResult({"addons": addons, "nextToken": next_token})

    def describe_addon_versions(self) -> ActionResult:
        addons = self.eks_backend.describe_addon_versions(
            addon_name=self._get_param("addonName"),
            kubernetes_version=self._get_param("kubernetesVersion"),
        )
        return ActionResult({"addons": addons})

