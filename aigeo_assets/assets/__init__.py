"""The Dagster asset layer: wiring of the pure functions to partitions, resources, IO and metadata."""
