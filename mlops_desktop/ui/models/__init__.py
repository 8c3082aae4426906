"""Qt item models (``QAbstractItemModel`` subclasses) the views show."""
