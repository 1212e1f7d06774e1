"""The BigCommerce adapter: client (CatalogSource), quota pacing, retries, errors, JSON mapping."""
