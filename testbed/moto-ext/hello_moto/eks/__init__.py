"""EKS: access entries, access policies, addons, DescribeUpdate and the
DescribeCluster fields moto 5.2.5 lacks."""
