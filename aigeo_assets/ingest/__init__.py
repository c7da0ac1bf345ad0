"""Readers of OpenAlex sources: snapshot layout, work and institution records, the API client."""
