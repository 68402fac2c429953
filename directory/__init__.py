"""The curated VCSE/IAG service directory: models, import/export and search."""
