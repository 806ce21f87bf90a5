# ---------------------------------------------------------------- general

variable "region" {
  description = "AWS region for every resource."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must look like eu-west-1."
  }
}

variable "name" {
  description = "Name of the EKS cluster; also the prefix of every other resource name."
  type        = string
  default     = "hello"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name))
    error_message = "name must be 3-32 characters: lowercase letters, digits and dashes, starting with a letter (it prefixes IAM role and ECR names)."
  }
}

variable "tags" {
  description = "Extra tags for every resource (merged into the provider's default_tags)."
  type        = map(string)
  default     = {}
}

# ---------------------------------------------------------------- network

variable "vpc_cidr" {
  description = "CIDR of the VPC. Private subnets get /19-sized slices of a /16 (room for Fargate and VPC CNI pod IPs), public subnets /24s."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.vpc_cidr)) && tonumber(split("/", var.vpc_cidr)[1]) >= 16 && tonumber(split("/", var.vpc_cidr)[1]) <= 20
    error_message = "vpc_cidr must be an IPv4 CIDR with a prefix between /16 and /20."
  }
}

variable "az_count" {
  description = "Number of availability zones (one private and one public subnet each)."
  type        = number
  default     = 3

  validation {
    condition     = contains([2, 3], var.az_count)
    error_message = "az_count must be 2 or 3."
  }
}

variable "egress_mode" {
  description = "How private subnets reach AWS: \"nat\" (a NAT gateway, internet egress) or \"endpoints\" (VPC endpoints only, no route to the internet)."
  type        = string
  default     = "nat"

  validation {
    condition     = contains(["nat", "endpoints"], var.egress_mode)
    error_message = "egress_mode must be \"nat\" or \"endpoints\"."
  }
}

variable "single_nat_gateway" {
  description = "With egress_mode = \"nat\": one NAT gateway for all AZs (cheaper) instead of one per AZ (survives an AZ outage)."
  type        = bool
  default     = true
}

# ---------------------------------------------------------------- cluster

variable "kubernetes_version" {
  description = "EKS Kubernetes minor version."
  type        = string
  default     = "1.34"

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "kubernetes_version must be a minor version such as 1.34."
  }
}

variable "public_access_cidrs" {
  description = "CIDRs allowed to reach the public Kubernetes API endpoint. Empty (default): the public endpoint is off and the API is reachable only from inside the VPC."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.public_access_cidrs : can(cidrnetmask(c))])
    error_message = "public_access_cidrs must hold IPv4 CIDRs such as 203.0.113.7/32."
  }
  validation {
    condition     = !contains(var.public_access_cidrs, "0.0.0.0/0")
    error_message = "public_access_cidrs must not contain 0.0.0.0/0: name the networks that run kubectl and helm."
  }
}

variable "admin_principal_arn" {
  description = "IAM role or user given cluster-admin through an EKS access entry. Null: the role that runs terraform apply."
  type        = string
  default     = null

  validation {
    condition     = var.admin_principal_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/", var.admin_principal_arn))
    error_message = "admin_principal_arn must be an IAM role or user ARN (not an assumed-role session ARN)."
  }
}

variable "cluster_log_types" {
  description = "Control-plane log types sent to CloudWatch Logs."
  type        = list(string)
  default     = ["api", "audit", "authenticator", "controllerManager", "scheduler"]

  validation {
    condition     = alltrue([for t in var.cluster_log_types : contains(["api", "audit", "authenticator", "controllerManager", "scheduler"], t)])
    error_message = "cluster_log_types may hold only api, audit, authenticator, controllerManager and scheduler."
  }
}

variable "log_retention_days" {
  description = "Retention of the control-plane (and VPC flow) log groups, in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
}

variable "addon_versions" {
  description = "Pinned EKS addon versions by name (vpc-cni, kube-proxy, coredns, eks-pod-identity-agent). An addon left out is pinned to the version EKS marks default for kubernetes_version, read once at plan time."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.addon_versions) : contains(["vpc-cni", "kube-proxy", "coredns", "eks-pod-identity-agent"], k)])
    error_message = "addon_versions keys must be vpc-cni, kube-proxy, coredns or eks-pod-identity-agent."
  }
}

# ---------------------------------------------------------------- compute

variable "hello_namespace" {
  description = "Namespace of the HelloApi resources; the Fargate profile selects it (with the compute label)."
  type        = string
  default     = "hello"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.hello_namespace)) && var.hello_namespace != "kube-system"
    error_message = "hello_namespace must be a DNS label and not kube-system."
  }
}

variable "fargate_kube_system" {
  description = "Add a Fargate profile for CoreDNS (kube-system, k8s-app=kube-dns) and run the coredns addon with computeType Fargate."
  type        = bool
  default     = false
}

variable "node_architecture" {
  description = "CPU architecture of the Bottlerocket node group: \"arm64\" (Graviton, BOTTLEROCKET_ARM_64) or \"x86_64\"."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.node_architecture)
    error_message = "node_architecture must be \"arm64\" or \"x86_64\"."
  }
}

variable "node_capacity_type" {
  description = "Capacity type of the node group: \"ON_DEMAND\" or \"SPOT\"."
  type        = string
  default     = "ON_DEMAND"

  validation {
    condition     = contains(["ON_DEMAND", "SPOT"], var.node_capacity_type)
    error_message = "node_capacity_type must be \"ON_DEMAND\" or \"SPOT\"."
  }
}

variable "node_instance_types" {
  description = "Instance types of the node group. Empty: m7g/m6g/t4g.large for arm64, m7i/m6i/t3.large for x86_64 (several types help Spot)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for t in var.node_instance_types : can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$", t))])
    error_message = "node_instance_types must be instance type names such as m7g.large."
  }
}

variable "node_min_size" {
  description = "Minimum number of Bottlerocket nodes."
  type        = number
  default     = 1

  validation {
    condition     = var.node_min_size >= 0 && var.node_min_size <= 100
    error_message = "node_min_size must be between 0 and 100."
  }
}

variable "node_desired_size" {
  description = "Initial number of Bottlerocket nodes (later changes by an autoscaler are ignored)."
  type        = number
  default     = 2

  validation {
    condition     = var.node_desired_size >= 0 && var.node_desired_size <= 100
    error_message = "node_desired_size must be between 0 and 100."
  }
}

variable "node_max_size" {
  description = "Maximum number of Bottlerocket nodes."
  type        = number
  default     = 4

  validation {
    condition     = var.node_max_size >= 1 && var.node_max_size <= 100
    error_message = "node_max_size must be between 1 and 100."
  }
}

variable "node_data_volume_size" {
  description = "Size in GiB of each node's encrypted Bottlerocket data volume (container images and ephemeral storage)."
  type        = number
  default     = 30

  validation {
    condition     = var.node_data_volume_size >= 20 && var.node_data_volume_size <= 1000
    error_message = "node_data_volume_size must be between 20 and 1000 GiB."
  }
}

# ---------------------------------------------------------------- kafka

variable "enable_kafka" {
  description = "Create an MSK cluster (IAM auth) and the Kafka IAM policies. Off by default: MSK bills by the hour."
  type        = bool
  default     = false
}

variable "kafka_mode" {
  description = "With enable_kafka: \"serverless\" (MSK Serverless, IAM auth only) or \"provisioned\" (MSK brokers, one per AZ)."
  type        = string
  default     = "serverless"

  validation {
    condition     = contains(["serverless", "provisioned"], var.kafka_mode)
    error_message = "kafka_mode must be \"serverless\" or \"provisioned\"."
  }
}

variable "kafka_version" {
  description = "Kafka version of a provisioned MSK cluster."
  type        = string
  default     = "3.8.x"

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.([0-9]+|x)(\\.tiered)?$", var.kafka_version))
    error_message = "kafka_version must be an MSK version such as 3.8.x or 3.6.0."
  }
}

variable "kafka_broker_instance_type" {
  description = "Broker instance type of a provisioned MSK cluster."
  type        = string
  default     = "kafka.m7g.large"

  validation {
    condition     = startswith(var.kafka_broker_instance_type, "kafka.")
    error_message = "kafka_broker_instance_type must be an MSK broker type such as kafka.m7g.large."
  }
}

variable "kafka_broker_volume_size" {
  description = "EBS volume per broker of a provisioned MSK cluster, in GiB."
  type        = number
  default     = 100

  validation {
    condition     = var.kafka_broker_volume_size >= 1 && var.kafka_broker_volume_size <= 16384
    error_message = "kafka_broker_volume_size must be between 1 and 16384 GiB."
  }
}

variable "kafka_topic" {
  description = "Topic the API writes and the consumer reads (HelloApi spec.kafka.topic); the IAM policies name it."
  type        = string
  default     = "events"

  validation {
    condition     = can(regex("^[a-zA-Z0-9._-]{1,249}$", var.kafka_topic))
    error_message = "kafka_topic must be 1-249 characters of letters, digits, '.', '_' and '-'."
  }
}

variable "kafka_consumer_group" {
  description = "Consumer group id (HelloApi spec.kafka.consumer.groupId); the consumer IAM policy names it."
  type        = string
  default     = "hello-consumer"

  validation {
    condition     = can(regex("^[a-zA-Z0-9._-]{1,255}$", var.kafka_consumer_group))
    error_message = "kafka_consumer_group must be 1-255 characters of letters, digits, '.', '_' and '-'."
  }
}

# ---------------------------------------------------------------- workloads

variable "helloapi_name" {
  description = "Name of the HelloApi that Terraform prepares an IAM role for: its pods use the ServiceAccount of that name in hello_namespace."
  type        = string
  default     = "demo"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.helloapi_name))
    error_message = "helloapi_name must be a DNS label."
  }
}

variable "operator_namespace" {
  description = "Namespace the operator's Helm release is installed into."
  type        = string
  default     = "hello-system"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.operator_namespace))
    error_message = "operator_namespace must be a DNS label."
  }
}

variable "operator_service_account" {
  description = "ServiceAccount of the operator (the Helm chart's serviceAccount.name)."
  type        = string
  default     = "hello-operator"

  validation {
    condition     = can(regex("^[a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?$", var.operator_service_account))
    error_message = "operator_service_account must be a DNS subdomain name."
  }
}

variable "image_tag" {
  description = "Image tag the printed Helm values and HelloApi use (ECR tags are immutable: push a new tag per build)."
  type        = string
  default     = "0.1.0"

  validation {
    condition     = can(regex("^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$", var.image_tag)) && var.image_tag != "latest"
    error_message = "image_tag must be a valid, immutable Docker tag (not \"latest\")."
  }
}

variable "ecr_force_delete" {
  description = "Let terraform destroy delete ECR repositories that still hold images."
  type        = bool
  default     = false
}

variable "ecr_keep_images" {
  description = "How many tagged images each ECR repository keeps; older ones expire (untagged ones after 7 days)."
  type        = number
  default     = 30

  validation {
    condition     = var.ecr_keep_images >= 1 && var.ecr_keep_images <= 1000
    error_message = "ecr_keep_images must be between 1 and 1000."
  }
}

variable "enable_load_balancer_controller" {
  description = "Create the IAM role of the AWS Load Balancer Controller and print its helm install command."
  type        = bool
  default     = true
}

variable "load_balancer_controller_chart_version" {
  description = "Version of the eks-charts aws-load-balancer-controller chart in the printed install command."
  type        = string
  default     = "1.14.0"

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", var.load_balancer_controller_chart_version))
    error_message = "load_balancer_controller_chart_version must be a chart version such as 1.14.0."
  }
}

variable "enable_flow_logs" {
  description = "Send VPC flow logs (rejected traffic) to CloudWatch Logs."
  type        = bool
  default     = true
}
