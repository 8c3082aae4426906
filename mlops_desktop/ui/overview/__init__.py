"""The Overview page: every model's stages at a glance, each part opening the page behind it."""
