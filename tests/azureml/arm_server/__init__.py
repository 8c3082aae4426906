"""A loopback Azure Resource Manager for Azure ML, for tests and for trying the app offline.

``python -m arm_server`` (from ``tests/azureml``) starts it standalone with the dev/staging/prod
data set; see ``docs/azure.md``.
"""

from .az_standin import AzStandIn
from .dataset import Dataset, load_dataset
from .server import ArmTestServer, RecordedRequest
from .tls import CertificateFiles, make_self_signed_certificate, write_ca_bundle

__all__ = [
    "ArmTestServer",
    "AzStandIn",
    "CertificateFiles",
    "Dataset",
    "RecordedRequest",
    "load_dataset",
    "make_self_signed_certificate",
    "write_ca_bundle",
]
