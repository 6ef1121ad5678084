"""GCP normalisers: Cloud Asset assets to cloud-neutral resources."""
