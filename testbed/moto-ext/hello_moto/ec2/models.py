"""One fix to moto 5.2.5's EC2 backend that terraform-eks's second plan needs.

CreateLaunchTemplate carries two kinds of TagSpecifications: the request's
own (resource type launch-template: the tags of the template itself) and
LaunchTemplateData.TagSpecifications (what instances launched from it get).
moto's response appends the first to the second, so DescribeLaunchTemplate
Versions shows a launch-template entry AWS never returns there, and the AWS
provider plans to remove it (a new template version on every apply).
"""

from typing import Any

from moto.ec2 import models as ec2_models
from moto.ec2.models.launch_templates import LaunchTemplate


class EC2Backend(ec2_models.EC2Backend):
    def create_launch_template(
        self,
        name: str,
        description: str,
        template_data: dict[str, Any],
        tag_spec: dict[str, Any],
    ) -> LaunchTemplate:
        specs = template_data.get("TagSpecifications")
        if specs:
            template_data = dict(template_data)
            template_data["TagSpecifications"] = [
                s for s in specs if s.get("ResourceType") != "launch-template"
            ]
        return super().create_launch_template(name, description, template_data, tag_spec)


ec2_backends = ec2_models.ec2_backends
