"""What import and export jobs share (models, read model, repository)."""
