"""Request bodies, validated with pydantic: strict types, lengths and ranges of the API."""
