"""The boundary graph: resources as nodes, typed relations as edges, zones on both."""
