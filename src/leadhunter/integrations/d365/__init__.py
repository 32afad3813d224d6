"""Dynamics 365 (Dataverse Web API) lead adapter: client, payloads, mapping, errors.

The service layer needs only the names re-exported here; see /work/helper-notes/d365-client.md.
"""

from leadhunter.integrations.common.send_gate import Attempt

from .client import D365Config, DataverseClient
from .errors import Category, push_error_category
from .mapping import CheckResult, LeadSnapshot, MappingConfig, OrgMetadata
from .writes import PushOutcome

__all__ = [
    "Attempt",
    "Category",
    "CheckResult",
    "D365Config",
    "DataverseClient",
    "LeadSnapshot",
    "MappingConfig",
    "OrgMetadata",
    "PushOutcome",
    "push_error_category",
]
