"""moto's EC2 routes, unchanged (the fix is in the backend)."""

from moto.ec2.urls import url_bases, url_paths

__all__ = ["url_bases", "url_paths"]
