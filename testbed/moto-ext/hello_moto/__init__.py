"""moto with the EKS and MSK calls terraform-eks makes that moto 5.2.5 lacks
(and one EC2 fix its second plan needs).

Each service is a package shaped like moto's own (models.py with a backend
subclass, responses.py with a response subclass, urls.py with moto's routes
plus the new ones). install() makes moto's backend dicts (moto.eks.models.
eks_backends, moto.kafka.models.kafka_backends) create these backends, so the
state stays in moto's backends and moto's server, its in-process mock_aws and
its /moto-api/reset all see it. Run the server with `python -m hello_moto`
(moto_server's arguments).
"""

from moto.ec2 import models as _moto_ec2
from moto.eks import models as _moto_eks
from moto.kafka import models as _moto_kafka

from .ec2.models import EC2Backend
from .eks.models import EKSBackend
from .kafka.models import KafkaBackend

__all__ = ["EC2Backend", "EKSBackend", "KafkaBackend", "install"]


def install() -> None:
    """Serve EKS and MSK with the extended backends (idempotent).

    Call before the first request: a backend dict keeps the class its first
    account was created with."""
    for backends, backend in (
        (_moto_ec2.ec2_backends, EC2Backend),
        (_moto_eks.eks_backends, EKSBackend),
        (_moto_kafka.kafka_backends, KafkaBackend),
    ):
        if backends.backend is not backend:
            backends.backend = backend
            for account in backends.values():
                account.backend = backend
                account.clear()
