"""PDF -> text per page -> clause-aware chunks -> embeddings -> vector store."""
