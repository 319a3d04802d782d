"""REST API under ``/api/v1/`` (FAB ``ModelRestApi``/``BaseApi``), writing through the same archive services as the
pages.

``register_apis`` adds every resource; ``PERMISSIONS`` lists the FAB permissions every archive role holds on them.
The service-backed resources (``responses.ServiceApi``) open both of theirs to every role: which unit, role and state
allow a call is decided by the archive's services, which answer 403/404/409 themselves.
"""

from __future__ import annotations

from flask_appbuilder import AppBuilder

from .access_requests import ACCESS_REQUESTS_API, AccessRequestsApi
from .digitisation import DIGITISATION_API, JOBS_API, DigitisationApi, JobsApi
from .documents import DOCUMENTS_API, DocumentsApi
from .dossier_lists import DOSSIER_LISTS_API, DossierListsApi
from .dossiers import DOSSIERS_API, DossiersApi
from .extraction import EXTRACT_API, EXTRACTIONS_API, DocumentExtractionApi, ExtractionsApi
from .fonds import FONDS_API, FondsApi
from .incidents import INCIDENTS_API, IncidentsApi
from .locations import LOCATIONS_API, LocationsApi
from .procedures import PROCEDURES_API, ProceduresApi
from .reports import REPORTS_API, ReportsApi
from .responses import READ, WRITE
from .search import SEARCH_API, SearchApi
from .signing import SIGNING_API, DocumentSigningApi
from .units import UnitsApi
from .workflow import WORKFLOW_API, DossierWorkflowApi

SERVICE_APIS = (DossiersApi, DossierWorkflowApi, DocumentsApi, FondsApi, DossierListsApi, LocationsApi,
                DocumentSigningApi, DigitisationApi, JobsApi, DocumentExtractionApi, ExtractionsApi, ProceduresApi,
                IncidentsApi, SearchApi, ReportsApi, AccessRequestsApi)

PERMISSIONS: list[tuple[str, str]] = [
    (name, f"can_{permission}")
    for name in (DOSSIERS_API, DOCUMENTS_API, FONDS_API, DOSSIER_LISTS_API, LOCATIONS_API, SIGNING_API,
                 EXTRACTIONS_API, INCIDENTS_API, ACCESS_REQUESTS_API)
    for permission in (READ, WRITE)
] + [(WORKFLOW_API, f"can_{WRITE}"), (DIGITISATION_API, f"can_{WRITE}"), (EXTRACT_API, f"can_{WRITE}"),
     (JOBS_API, f"can_{READ}"), (PROCEDURES_API, f"can_{READ}"), (SEARCH_API, f"can_{READ}"),
     (REPORTS_API, f"can_{READ}")]


def register_apis(appbuilder: AppBuilder) -> None:
    """Add the REST resources."""
    appbuilder.add_api(UnitsApi)
    for api in SERVICE_APIS:
        appbuilder.add_api(api)
