"""Fine-tuning the self-hosted model: training examples, LoRA training, adapter export."""
