"""Storage: the one place that knows SQL. One SQLite file (WAL), one module per aggregate.

Others call the functions re-exported here; ``init_app(app)`` gives Flask one connection per app
context.
"""

from __future__ import annotations

from .audit import list_audit
from .catalogues import catalogue_registry, get_catalogue, list_catalogues, register_catalogue
from .connection import close_db, get_db, init_app, open_database, release_connections, write_transaction
from .donors import create_donor, get_donor, list_donors
from .evaluations import (
    evaluation_points,
    evaluation_states,
    get_evaluation,
    latest_evaluation,
)
from .events import (
    acknowledge_event,
    get_event,
    list_events,
    list_subscriptions,
)
from .exposures import create_exposure, get_exposure, list_exposures
from .leases import get_watermark, set_watermark
from .mfi import load_mfi_matrix
from .outbox import list_messages as list_outbox
from .schema import migrate, schema_version
from .studies import (
    add_lab_id,
    create_recipient,
    create_study,
    find_recipients,
    get_recipient,
    get_study,
    list_recipients,
    list_studies,
)
from .typings import current_typing, set_typing, typing_history
from .uploads import (
    get_sample,
    get_upload,
    list_bead_results,
    list_samples,
    list_uploads,
    upload_bytes,
)

__all__ = [
    "acknowledge_event",
    "evaluation_points",
    "evaluation_states",
    "get_evaluation",
    "latest_evaluation",
    "get_event",
    "get_watermark",
    "list_events",
    "list_outbox",
    "list_subscriptions",
    "set_watermark",
    "add_lab_id",
    "catalogue_registry",
    "close_db",
    "release_connections",
    "create_donor",
    "create_exposure",
    "create_recipient",
    "create_study",
    "current_typing",
    "find_recipients",
    "get_catalogue",
    "get_db",
    "get_donor",
    "get_exposure",
    "get_recipient",
    "get_sample",
    "get_study",
    "get_upload",
    "init_app",
    "list_audit",
    "list_bead_results",
    "list_catalogues",
    "list_donors",
    "list_exposures",
    "list_recipients",
    "list_samples",
    "list_studies",
    "list_uploads",
    "load_mfi_matrix",
    "migrate",
    "open_database",
    "register_catalogue",
    "schema_version",
    "set_typing",
    "typing_history",
    "upload_bytes",
    "write_transaction",
]
