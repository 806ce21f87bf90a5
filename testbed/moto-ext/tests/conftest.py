import os

import pytest

import hello_moto

hello_moto.install()

REGION = "eu-west-1"


@pytest.fixture(autouse=True)
def aws_credentials() -> None:
    """Test credentials only: nothing here may reach AWS."""
    os.environ["AWS_ACCESS_KEY_ID"] = "testing"
    os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
    os.environ["AWS_DEFAULT_REGION"] = REGION
    os.environ.pop("AWS_PROFILE", None)
