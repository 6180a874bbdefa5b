"""FastAPI application of the West Lothian hotspot service."""
