"""The base layer: vocabulary every other layer shares and none may redefine.

Edge kinds (:mod:`~auditor.base.edges`), redaction (:mod:`~auditor.base.redact`)
and canonical serialisation (:mod:`~auditor.base.serialize`) sit here, beside
:mod:`auditor.model`, so normalisers, the graph, checks and evidence can all use
them without importing one another.
"""
