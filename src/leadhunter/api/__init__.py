"""HTTP API (FastAPI): thin routers over the services. Arrives with the service issue."""
