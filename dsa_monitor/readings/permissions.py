"""Which roles may do what: one table for the API's tokens and the pages' users alike, so that a
person and a token of the same role may do the same things."""

from __future__ import annotations

# "read" covers every GET of the API and every page.
PERMISSIONS: dict[str, frozenset[str]] = {
    "read": frozenset({"lab", "clinician", "integration", "admin", "coordinator"}),
    "upload": frozenset({"lab", "admin"}),
    "typing": frozenset({"lab", "admin", "coordinator"}),
    # recipients, donors, exposures: the study coordinator enrols, within its study scope
    "enrol": frozenset({"admin", "coordinator"}),
    # another lab ID for an enrolled recipient: the lab that finds a sample "not enrolled" in its
    # run file adds the ID its files use, without an administrator
    "lab_id": frozenset({"lab", "admin", "coordinator"}),
    # studies: create (a coordinator of every study) and edit (title, visit schedule, upload
    # settings); tokens stay the administrator's, from the CLI
    "study": frozenset({"admin", "coordinator"}),
    # a late serum counted for its visit: the coordinator, or the lab that ran it
    "assign_visit": frozenset({"lab", "coordinator", "admin"}),
    "acknowledge": frozenset({"clinician", "admin"}),
    "subscribe": frozenset({"clinician", "admin"}),  # a clinician's own subscriptions
    "events": frozenset({"integration", "admin"}),
}


def may(role: str, permission: str) -> bool:
    """Whether a role has a permission (an unknown permission is nobody's)."""
    return role in PERMISSIONS.get(permission, frozenset())
