"""A document's life in the service: statuses, leases, processing, queries and erasure."""
