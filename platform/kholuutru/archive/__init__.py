"""kholuutru.archive — the archive itself: domain, services and database, free of any web or cluster framework.

The console, the REST API and the command line all call the services here, so every rule (who may do what, state
transitions, suspension, audit) is written once (ARCHITECTURE §2).
"""
