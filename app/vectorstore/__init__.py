"""Vector stores for chunk embeddings."""
