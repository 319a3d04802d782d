"""kholuutru.console — the Flask-AppBuilder web console and REST API over the archive.

The console holds no business rule of its own (ARCHITECTURE §2): every write goes through a service function of
``kholuutru.archive``, which checks rights and suspension and writes the audit event. What lives here is the web
shell around those services: login, menus, translations, templates, the suspension banner, health and metrics.
"""
