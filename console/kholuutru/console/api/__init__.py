"""REST API under ``/api/v1/`` (FAB ``ModelRestApi``), writing through the same archive services as the pages."""
