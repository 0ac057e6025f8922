"""Evaluation of clause extraction against CUAD gold annotations."""
