"""Router modules of the API; ``gateway.entrypoints.api.app.ROUTERS`` lists the ones mounted."""
