"""Collection: the only part of the auditor that talks to cloud SDKs."""
