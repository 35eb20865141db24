"""clausegraph API: FastAPI app, SPARQL 1.1 endpoint and web page."""
