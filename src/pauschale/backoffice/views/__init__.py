"""Staff pages. Thin: read through ``scoping``, act through the modules' services."""
