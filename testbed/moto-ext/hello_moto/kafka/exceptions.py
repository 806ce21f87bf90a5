"""Kafka errors moto 5.2.5 lacks."""

from moto.kafka import exceptions
from moto.kafka.exceptions import KafkaException


class ConflictException(KafkaException):
    code = 409

    def __init__(self, msg: str):
        super().__init__("ConflictException", msg)


class NotFoundException(exceptions.NotFoundException):
    """moto's, with the status MSK answers (404, not 400)."""

    code = 404
