"""Finding candidate clauses: the clause model trained on CUAD train, and its categories."""
