"""The operations web UI (server-rendered): sign-in, review queue, order detail, ledger, dashboard.

``routes`` is listed in the API's ``ROUTERS``; its ``setup(app)`` mounts the static
files, the session middleware and the user-token authenticator.
"""
