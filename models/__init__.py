"""The potential model: plain scikit-learn (models.potential), versioned skops artifacts, training and scoring."""
